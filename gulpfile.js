// Copies the SVG icons and codex (*.node.json) files next to the compiled nodes and credentials: tsc only emits .js files,
// and n8n loads icons from the folder of the file that declares them ("file:sendApi.svg").
const { src, dest } = require('gulp');

function buildIcons() {
	return src(['nodes/**/*.{png,svg,node.json}', 'credentials/**/*.{png,svg}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

exports['build:icons'] = buildIcons;
