import { describe, expect, it } from 'vitest';
import { databaseUrlSecrets, redactDatabaseUrl } from '../../src/db/database-url.js';

describe('DatabaseUrl', () => {
  it('redacts the password and password parameters of a database URL, and lists them for the logger', () => {
    expect(redactDatabaseUrl('postgres://u:p%40ss@h:5432/db?sslmode=require&password=x1')).toBe('postgres://u:***@h:5432/db?sslmode=require&password=***');
    expect(redactDatabaseUrl('postgres://h/db')).toBe('postgres://h/db');
    expect(redactDatabaseUrl('not a url')).toBeUndefined();
    expect(databaseUrlSecrets(undefined)).toEqual([]);
    expect(databaseUrlSecrets('postgres://u:p%40ss@h/db')).toEqual(['postgres://u:p%40ss@h/db', 'p%40ss', 'p@ss']);
  });
});
