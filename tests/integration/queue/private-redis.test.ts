import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateRedis, connectProducer, assertNoEviction, RedisSetupError } from '../../../src/queue/redis.ts';
import { tempDir } from '../../helpers/tmp.ts';

describe('private redis-server of the embedded mode', () => {
  it('starts with a unix socket in the data dir, AOF on and noeviction; is reused; stops on shutdown', async () => {
    const t = tempDir('tp-');
    const first = await ensurePrivateRedis(t.dir);
    try {
      expect(first.stop).toBeTypeOf('function');
      expect(existsSync(join(t.dir, 'redis.sock'))).toBe(true);
      const conn = await connectProducer(first);
      expect(await conn.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await conn.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      await assertNoEviction(conn);
      await conn.set('k', 'v');
      conn.disconnect();

      const second = await ensurePrivateRedis(t.dir);
      expect(second.stop).toBeUndefined(); // reused: not ours to stop
      expect(second.describe).toContain('reused');
      const c2 = await connectProducer(second);
      expect(await c2.get('k')).toBe('v');
      c2.disconnect();
    } finally {
      await first.stop!();
    }
    expect(readFileSync(join(t.dir, 'redis', 'redis.log'), 'utf8')).toMatch(/ready to exit|Redis is now ready to exit|bye/i);
    t.cleanup();
  });

  it('says how to install redis-server when there is none', async () => {
    const t = tempDir('tp-');
    await expect(ensurePrivateRedis(t.dir, { redisServerBin: '/nonexistent/redis-server' })).rejects.toThrow(RedisSetupError);
    await expect(ensurePrivateRedis(t.dir, { redisServerBin: '/nonexistent/redis-server' })).rejects.toThrow(/apt-get install -y redis-server.*--redis-url/);
    t.cleanup();
  });
});
