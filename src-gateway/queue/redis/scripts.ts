// Lua scripts that make each state change of a task atomic inside Redis. The key one is
// `finishTask`: XACK decides who finishes a task (a reclaimed task may be finished by two
// workers; only the one whose XACK removes it from the pending list counts), and in the
// same step the backlog counters drop, the result lands in the session's hash and is
// routed to the results stream of the gateway that holds the session *now* (after a
// client resumed on another gateway, results follow it).
import type { Redis } from 'ioredis';

const FINISH_TASK = `
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if acked == 0 then return 0 end
if ARGV[8] == 'dead' then
  local fields = {'entry_id', ARGV[2], 'reason', ARGV[9], 'worker', ARGV[12], 'deliveries', ARGV[13]}
  local entry = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
  if #entry > 0 then
    for _, v in ipairs(entry[1][2]) do table.insert(fields, v) end
  end
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', '10000', '*', unpack(fields))
  redis.call('HINCRBY', KEYS[2], 'dead_letters', 1)
else
  redis.call('HINCRBY', KEYS[2], 'completed', 1)
  redis.call('HINCRBY', KEYS[2], 'completed_ms', ARGV[6])
end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], 'backlog_ms', 0 - tonumber(ARGV[6]))
redis.call('HINCRBY', KEYS[2], 'backlog_tasks', -1)
if ARGV[7] == '' then return 1 end
local owner = redis.call('HGET', KEYS[4], 'gateway')
if not owner then owner = ARGV[4] end
if redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('HSET', KEYS[5], ARGV[5], ARGV[7])
  local ttl = redis.call('PTTL', KEYS[4])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[5], ttl) end
end
local stream = ARGV[3] .. owner
redis.call('XADD', stream, 'MAXLEN', '~', ARGV[11], '*', 'result', ARGV[7])
if redis.call('PTTL', stream) < 0 then redis.call('PEXPIRE', stream, ARGV[10]) end
return 1
`;

// Renews (idle 0) or hands back (idle = large) a task, but only while this consumer still
// owns it: a worker whose task was already reclaimed must not steal it back. A hand-back
// on a clean stop (`release`) also takes back the delivery it counted, so a chunk that
// meets rolling restarts is not dead-lettered for them.
const TOUCH_TASK = `
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end
if ARGV[5] == 'release' then
  local count = math.max(0, tonumber(p[1][4]) - 1)
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'IDLE', ARGV[4], 'RETRYCOUNT', count, 'JUSTID')
else
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'IDLE', ARGV[4], 'JUSTID')
end
return 1
`;

export interface FinishTaskArgs {
  keys: { tasks: string; stats: string; deadLetters: string; session: string; sessionResults: string };
  group: string;
  entryId: string;
  resultsPrefix: string;
  /** Where the result goes when the session hash names no owner (the enqueuing gateway). */
  fallbackGateway: string;
  chunkIndex: number;
  audioMs: number;
  /** '' when there is nobody to tell (the entry could not even be decoded). */
  resultJson: string;
  outcome: 'completed' | 'dead';
  deadReason: string;
  resultsTtlMs: number;
  resultsMaxLen: number;
  workerId: string;
  deliveries: number;
}

export interface ScriptedRedis extends Redis {
  earshotFinishTask(...args: (string | number)[]): Promise<number>;
  earshotTouchTask(...args: (string | number)[]): Promise<number>;
}

export function defineScripts(redis: Redis): ScriptedRedis {
  redis.defineCommand('earshotFinishTask', { numberOfKeys: 5, lua: FINISH_TASK });
  redis.defineCommand('earshotTouchTask', { numberOfKeys: 1, lua: TOUCH_TASK });
  return redis as ScriptedRedis;
}

/** Returns true when this call finished the task (false: someone else already did). */
export async function finishTask(redis: ScriptedRedis, a: FinishTaskArgs): Promise<boolean> {
  const k = a.keys;
  const done = await redis.earshotFinishTask(
    k.tasks,
    k.stats,
    k.deadLetters,
    k.session,
    k.sessionResults,
    a.group,
    a.entryId,
    a.resultsPrefix,
    a.fallbackGateway,
    String(a.chunkIndex),
    String(Math.round(a.audioMs)),
    a.resultJson,
    a.outcome,
    a.deadReason,
    String(a.resultsTtlMs),
    String(a.resultsMaxLen),
    a.workerId,
    String(a.deliveries),
  );
  return done === 1;
}

/**
 * `renew`: reset the idle time (still working on it). `retry`: make it reclaimable after
 * `idleMs` short of the reclaim threshold; the delivery counts as failed. `release`: the
 * same, without counting the delivery.
 */
export async function touchTask(
  redis: ScriptedRedis,
  tasksKey: string,
  group: string,
  entryId: string,
  consumer: string,
  idleMs: number,
  mode: 'renew' | 'retry' | 'release' = 'renew',
): Promise<boolean> {
  const idle = String(Math.max(0, Math.round(idleMs)));
  return (await redis.earshotTouchTask(tasksKey, group, entryId, consumer, idle, mode)) === 1;
}
