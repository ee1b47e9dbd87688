import { listBySessionOperation } from '../listBySession';

export const { description, execute } = listBySessionOperation('group', '/groups');
