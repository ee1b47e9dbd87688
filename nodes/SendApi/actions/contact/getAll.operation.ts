import { listBySessionOperation } from '../listBySession';

export const { description, execute } = listBySessionOperation('contact', '/contacts');
