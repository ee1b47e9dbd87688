/**
 * PostgreSQL and Redis for the queue-mode suite, from Debian's packages: installed with apt-get when
 * missing (CI runs on a clean machine of this kind, as root), each started on 127.0.0.1 on a port
 * chosen at run time with its data in a temporary folder, and stopped and removed by stop() — which
 * the suite calls in afterAll, so also when a test failed.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from '../../scripts/sandbox/n8n-runtime';

const say = (msg: string) => process.stderr.write(`[queue services] ${msg}\n`);

/** Where Debian puts PostgreSQL's server programs (not on PATH): /usr/lib/postgresql/<major>/bin. */
function postgresBinDir(): string | undefined {
	const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
	if (onPath) return path.dirname(fs.realpathSync(onPath));
	const root = '/usr/lib/postgresql';
	if (!fs.existsSync(root)) return undefined;
	const majors = fs
		.readdirSync(root)
		.filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
		.sort((a, b) => Number(b) - Number(a));
	return majors.length ? path.join(root, majors[0], 'bin') : undefined;
}

function redisServerBin(): string | undefined {
	const found = spawnSync('sh', ['-c', 'command -v redis-server'], {
		encoding: 'utf8',
	}).stdout.trim();
	return found || undefined;
}

/**
 * apt-get install of the Debian packages whose programs are missing. Needs root (as CI has); the
 * package lists are refreshed once first, since a clean image may have none.
 */
export function ensureDebianPackages(): { postgresBin: string; redisServer: string } {
	const missing: string[] = [];
	if (!postgresBinDir()) missing.push('postgresql');
	if (!redisServerBin()) missing.push('redis-server');
	if (missing.length > 0) {
		if (process.getuid?.() !== 0) {
			throw new Error(
				`queue-mode suite: ${missing.join(', ')} missing and not root: apt-get install -y ${missing.join(' ')}`,
			);
		}
		say(`apt-get install -y ${missing.join(' ')} …`);
		const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
		const apt = (args: string[]) => spawnSync('apt-get', args, { encoding: 'utf8', env });
		let r = apt(['install', '-y', '--no-install-recommends', ...missing]);
		if (r.status !== 0) {
			apt(['update']);
			r = apt(['install', '-y', '--no-install-recommends', ...missing]);
		}
		if (r.status !== 0)
			throw new Error(
				`apt-get install ${missing.join(' ')} failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`,
			);
	}
	const postgresBin = postgresBinDir();
	const redisServer = redisServerBin();
	if (!postgresBin || !redisServer)
		throw new Error('queue-mode suite: postgresql or redis-server still missing after apt-get');
	return { postgresBin, redisServer };
}

export interface Postgres {
	host: string;
	port: number;
	user: string;
	database: string;
	/** Runs one SQL statement with psql; returns its unaligned output. */
	query(sql: string): string;
	stop(): Promise<void>;
}

/**
 * PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user Debian's
 * package creates (or `nobody`), and its programs run through runuser.
 */
function clusterOwner(): string | undefined {
	if (process.getuid?.() !== 0) return undefined;
	for (const user of ['postgres', 'nobody']) {
		if (spawnSync('id', ['-u', user]).status === 0) return user;
	}
	throw new Error('running as root and no postgres or nobody user to own the PostgreSQL cluster');
}

function asOwner(owner: string | undefined, cmd: string, args: string[]): [string, string[]] {
	return owner ? ['runuser', ['-u', owner, '--', cmd, ...args]] : [cmd, args];
}

export async function startPostgres(binDir: string): Promise<Postgres> {
	const owner = clusterOwner();
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sendapi-queue-pg-'));
	fs.chmodSync(dir, 0o755);
	const data = path.join(dir, 'data');
	fs.mkdirSync(data, { mode: 0o700 });
	if (owner) spawnSync('chown', ['-R', owner, dir]);
	const remove = () => fs.rmSync(dir, { recursive: true, force: true });
	const port = await freePort();
	const user = 'n8n';
	const [initCmd, initArgs] = asOwner(owner, path.join(binDir, 'initdb'), [
		'-D',
		data,
		'-U',
		user,
		'--auth=trust',
		'-E',
		'UTF8',
		'--no-sync',
	]);
	const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
	if (init.status !== 0) {
		remove();
		throw new Error(`initdb failed:\n${init.stdout}\n${init.stderr}`);
	}
	const logFile = path.join(dir, 'postgres.log');
	const settings = [
		'-c',
		`port=${port}`,
		'-c',
		'listen_addresses=127.0.0.1',
		'-c',
		`unix_socket_directories=${dir}`,
		'-c',
		'fsync=off',
		'-c',
		'max_connections=100',
	];
	const [startCmd, startArgs] = asOwner(owner, path.join(binDir, 'pg_ctl'), [
		'-D',
		data,
		'-l',
		logFile,
		'-w',
		'-t',
		'60',
		'-o',
		settings.join(' '),
		'start',
	]);
	const started = spawnSync(startCmd, startArgs, { encoding: 'utf8' });
	const stop = async () => {
		const [stopCmd, stopArgs] = asOwner(owner, path.join(binDir, 'pg_ctl'), [
			'-D',
			data,
			'-m',
			'immediate',
			'-w',
			'stop',
		]);
		spawnSync(stopCmd, stopArgs, { encoding: 'utf8' });
		remove();
	};
	if (started.status !== 0) {
		const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
		await stop();
		throw new Error(`pg_ctl start failed:\n${started.stdout}\n${started.stderr}\n${log}`);
	}
	const database = 'n8n';
	const query = (sql: string) => {
		const r = spawnSync(
			'psql',
			[
				'-h',
				'127.0.0.1',
				'-p',
				String(port),
				'-U',
				user,
				'-d',
				database,
				'-At',
				'-v',
				'ON_ERROR_STOP=1',
				'-c',
				sql,
			],
			{ encoding: 'utf8' },
		);
		if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr}`);
		return r.stdout.trim();
	};
	const created = spawnSync(
		'psql',
		[
			'-h',
			'127.0.0.1',
			'-p',
			String(port),
			'-U',
			user,
			'-d',
			'postgres',
			'-c',
			`CREATE DATABASE ${database}`,
		],
		{ encoding: 'utf8' },
	);
	if (created.status !== 0) {
		await stop();
		throw new Error(`CREATE DATABASE failed: ${created.stderr}`);
	}
	say(`PostgreSQL on 127.0.0.1:${port} (data in ${dir}${owner ? `, owned by ${owner}` : ''})`);
	return { host: '127.0.0.1', port, user, database, query, stop };
}

export interface Redis {
	host: string;
	port: number;
	stop(): Promise<void>;
}

export async function startRedis(redisServer: string): Promise<Redis> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sendapi-queue-redis-'));
	const port = await freePort();
	// No persistence: the queue lives as long as the suite.
	const child: ChildProcess = spawn(
		redisServer,
		[
			'--port',
			String(port),
			'--bind',
			'127.0.0.1',
			'--save',
			'',
			'--appendonly',
			'no',
			'--dir',
			dir,
			'--protected-mode',
			'no',
		],
		{
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	);
	let output = '';
	child.stdout?.on('data', (d) => (output += d));
	child.stderr?.on('data', (d) => (output += d));
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGTERM');
			const t = setTimeout(() => child.kill('SIGKILL'), 5000);
			await exited;
			clearTimeout(t);
		}
		fs.rmSync(dir, { recursive: true, force: true });
	};
	const t0 = Date.now();
	while (!/Ready to accept connections/.test(output)) {
		if (child.exitCode !== null || Date.now() - t0 > 20_000) {
			await stop();
			throw new Error(`redis-server did not start:\n${output}`);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	say(`Redis on 127.0.0.1:${port}`);
	return { host: '127.0.0.1', port, stop };
}
