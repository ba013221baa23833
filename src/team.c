/* The team server's data model: the Redis functions that change it atomically, stream ids. */
#include "jelou/team.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Keys are fixed (one team per Redis database): a function may only touch keys it is
 * given in a cluster, which serve does not support. */
const char team_functions[] =
    "#!lua name=jelou\n"
    "local MAXLEN = 100000\n"
    "local function now_ms()\n"
    "  local t = redis.call('TIME')\n"
    "  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "end\n"
    "local function emit(kind, room, data)\n"
    "  return redis.call('XADD', 'jc:events', 'MAXLEN', '~', MAXLEN, '*',\n"
    "                    'kind', kind, 'room', room, 'data', data)\n"
    "end\n"
    "local function audit(agent, action, room, id, detail)\n"
    "  redis.call('XADD', 'jc:audit', 'MAXLEN', '~', MAXLEN, '*', 'agent', agent,\n"
    "             'action', action, 'room', room, 'id', id, 'detail', detail,\n"
    "             'time', now_ms())\n"
    "end\n"
    "local function room_log(room, kind, data)\n"
    "  local k = 'jc:roomlog:' .. room\n"
    "  redis.call('LPUSH', k, '{\"kind\":' .. cjson.encode(kind) .. ',\"data\":' .. data .. '}')\n"
    "  redis.call('LTRIM', k, 0, 19)\n"
    "end\n"
    /* dedup, kind, room, user, bot, user_name, data: nil for a delivery seen already. */
    "redis.register_function('jc_webhook', function(keys, a)\n"
    "  if a[1] ~= '' and not redis.call('SET', 'jc:dedup:' .. a[1], '1', 'NX', 'EX',\n"
    "                                   " "86400) then\n"
    "    return false\n"
    "  end\n"
    "  local kind, room = a[2], a[3]\n"
    "  if room ~= '' then\n"
    "    local rk = 'jc:room:' .. room\n"
    "    redis.call('SADD', 'jc:rooms', room)\n"
    "    if a[4] ~= '' then redis.call('HSET', rk, 'user', a[4]) end\n"
    "    if a[5] ~= '' then redis.call('HSET', rk, 'bot', a[5]) end\n"
    "    if a[6] ~= '' then redis.call('HSET', rk, 'user_name', a[6]) end\n"
    "    if kind == 'conversation.close' then\n"
    "      redis.call('HSET', rk, 'status', 'closed')\n"
    "      redis.call('HDEL', rk, 'waiting_since')\n"
    /* A user who writes again reopens a snoozed, pending or resolved room: the team
     * must see it in its Unassigned or Mine lists again, not when the snooze ends. */
    "    elseif kind == 'message' or kind == 'conversation.start' then\n"
    "      if redis.call('HGET', rk, 'status') ~= 'open' then\n"
    "        redis.call('HSET', rk, 'status', 'open')\n"
    "        redis.call('HDEL', rk, 'snooze_until')\n"
    "      end\n"
    "      if kind == 'message' and redis.call('HEXISTS', rk, 'waiting_since') == 0 then\n"
    "        redis.call('HSET', rk, 'waiting_since', now_ms())\n"
    "      end\n"
    "    end\n"
    "    room_log(room, kind, a[7])\n"
    "  end\n"
    "  return emit(kind, room, a[7])\n"
    "end)\n"
    /* id, agent, room, body, data: {'queued', event id}, {'exists', state, agent} or
     * {'conflict', assignee}. A first reply to an unassigned room assigns it. The same id
     * again is never sent twice while queued or once accepted; a failed one is queued
     * again with its first bytes (a retry, same id, by the agent who sent it). */
    "redis.register_function('jc_send', function(keys, a)\n"
    "  local id, agent, room, body, data = a[1], a[2], a[3], a[4], a[5]\n"
    "  local mk = 'jc:msg:' .. id\n"
    "  local st = redis.call('HGET', mk, 'state')\n"
    "  local owner = redis.call('HGET', mk, 'agent') or ''\n"
    "  if st == 'failed' and owner == agent then\n"
    "    redis.call('HSET', mk, 'state', 'queued', 'attempts', 0, 'error', '')\n"
    "    redis.call('XADD', 'jc:outbox', '*', 'id', id)\n"
    "    local ev = emit('agent.message.queued', redis.call('HGET', mk, 'room') or room, data)\n"
    "    audit(agent, 'retry', room, id, '')\n"
    "    return {'queued', ev}\n"
    "  end\n"
    "  if st then return {'exists', st, owner} end\n"
    "  local rk = 'jc:room:' .. room\n"
    "  local who = redis.call('HGET', rk, 'assignee') or ''\n"
    "  if who ~= '' and who ~= agent then return {'conflict', who} end\n"
    "  if who == '' then\n"
    "    redis.call('HSET', rk, 'assignee', agent)\n"
    "    emit('room.assigned', room, cjson.encode({room = room, to = agent, by = agent}))\n"
    "    audit(agent, 'assign', room, '', agent)\n"
    "  end\n"
    "  redis.call('HSET', mk, 'state', 'queued', 'agent', agent, 'room', room,\n"
    "             'body', body, 'attempts', 0, 'queued_at', now_ms())\n"
    "  redis.call('HDEL', rk, 'waiting_since')\n"
    "  redis.call('XADD', 'jc:outbox', '*', 'id', id)\n"
    "  local ev = emit('agent.message.queued', room, data)\n"
    "  room_log(room, 'agent.message.queued', data)\n"
    "  audit(agent, 'send', room, id, '')\n"
    "  return {'queued', ev}\n"
    "end)\n"
    /* id, state, http_status, attempts, outbox entry, error, data. An accepted message
     * stays accepted: a late report of an earlier attempt changes nothing. */
    "redis.register_function('jc_sent', function(keys, a)\n"
    "  local mk = 'jc:msg:' .. a[1]\n"
    "  local cur = redis.call('HGET', mk, 'state')\n"
    "  local final = a[2] == 'accepted' or a[2] == 'failed'\n"
    "  if cur == 'accepted' or not cur then\n"
    "    redis.call('XACK', 'jc:outbox', 'senders', a[5])\n"
    "    return 0\n"
    "  end\n"
    "  redis.call('HSET', mk, 'state', a[2], 'http_status', a[3], 'attempts', a[4],\n"
    "             'error', a[6])\n"
    "  if final then\n"
    "    local room = redis.call('HGET', mk, 'room') or ''\n"
    "    redis.call('XACK', 'jc:outbox', 'senders', a[5])\n"
    "    emit('agent.message.' .. a[2], room, a[7])\n"
    /* A snapshot shows each reply's end, not only that it was queued. */
    "    if room ~= '' then room_log(room, 'agent.message.' .. a[2], a[7]) end\n"
    "  end\n"
    "  return 1\n"
    "end)\n"
    /* owner, ms: 1 renewed, 2 newly taken, 0 held by another. */
    "redis.register_function('jc_lease', function(keys, a)\n"
    "  local cur = redis.call('GET', 'jc:lease')\n"
    "  if cur == a[1] then redis.call('PEXPIRE', 'jc:lease', a[2]) return 1 end\n"
    "  if not cur then redis.call('SET', 'jc:lease', a[1], 'PX', a[2]) return 2 end\n"
    "  return 0\n"
    "end)\n"
    "redis.register_function('jc_unlease', function(keys, a)\n"
    "  if redis.call('GET', 'jc:lease') == a[1] then redis.call('DEL', 'jc:lease') end\n"
    "  return 1\n"
    "end)\n"
    /* op, room, agent, x (to / status / text), expect, until (status snoozed: ms, else
     * ''): {'ok', event id} or {'conflict', assignee}. */
    "redis.register_function('jc_room', function(keys, a)\n"
    "  local op, room, agent, x, expect, untl = a[1], a[2], a[3], a[4], a[5], a[6] or ''\n"
    "  local rk = 'jc:room:' .. room\n"
    "  local who = redis.call('HGET', rk, 'assignee') or ''\n"
    "  local ev\n"
    "  if op == 'claim' then\n"
    "    if who ~= '' and who ~= agent then return {'conflict', who} end\n"
    "    redis.call('HSET', rk, 'assignee', agent)\n"
    "    ev = emit('room.assigned', room, cjson.encode({room = room, to = agent, by = agent}))\n"
    "  elseif op == 'release' then\n"
    "    if who ~= agent then return {'conflict', who} end\n"
    "    redis.call('HSET', rk, 'assignee', '')\n"
    "    ev = emit('room.assigned', room, cjson.encode({room = room, to = '', by = agent}))\n"
    "  elseif op == 'assign' then\n"
    "    if who ~= expect then return {'conflict', who} end\n"
    "    if x ~= '' and redis.call('HEXISTS', 'jc:agents', x) == 0 then\n"
    "      return {'unknown', x}\n"
    "    end\n"
    "    redis.call('HSET', rk, 'assignee', x)\n"
    "    ev = emit('room.assigned', room,\n"
    "              cjson.encode({room = room, to = x, by = agent, from = who}))\n"
    "  elseif op == 'close' or op == 'status' then\n"
    "    local st = x\n"
    "    if op == 'close' then st = 'closed' end\n"
    "    redis.call('HSET', rk, 'status', st)\n"
    "    local d = {room = room, status = st, by = agent}\n"
    "    if st == 'snoozed' and untl ~= '' then\n"
    "      redis.call('HSET', rk, 'snooze_until', untl)\n"
    "      d['until'] = tonumber(untl)\n"
    "    else\n"
    "      redis.call('HDEL', rk, 'snooze_until')\n"
    "    end\n"
    "    ev = emit('room.status', room, cjson.encode(d))\n"
    "  elseif op == 'note' then\n"
    "    local d = cjson.encode({room = room, agent = agent, text = x, time = now_ms()})\n"
    "    ev = emit('note', room, d)\n"
    "    room_log(room, 'note', d)\n"
    "  elseif op == 'typing' then\n"
    "    return {'ok', emit('typing', room, cjson.encode({room = room, agent = agent}))}\n"
    "  else\n"
    "    return redis.error_reply('unknown room operation')\n"
    "  end\n"
    "  redis.call('SADD', 'jc:rooms', room)\n"
    "  audit(agent, op, room, '', x)\n"
    "  return {'ok', ev}\n"
    "end)\n"
    /* {stream id the snapshot is current as of, {{room, {field, value...}, {log...}}...}} */
    "redis.register_function{function_name = 'jc_rooms', flags = {'no-writes'},\n"
    "  callback = function(keys, a)\n"
    "  local last = redis.call('XREVRANGE', 'jc:events', '+', '-', 'COUNT', 1)\n"
    "  local id = '0-0'\n"
    "  if last[1] then id = last[1][1] end\n"
    "  local out = {}\n"
    "  for _, room in ipairs(redis.call('SMEMBERS', 'jc:rooms')) do\n"
    "    out[#out + 1] = {room, redis.call('HGETALL', 'jc:room:' .. room),\n"
    "                     redis.call('LRANGE', 'jc:roomlog:' .. room, 0, 19)}\n"
    "  end\n"
    "  return {id, out}\n"
    "end}\n"
    /* id: {first id in the stream or '', 1 when id itself is there}. */
    "redis.register_function{function_name = 'jc_resume', flags = {'no-writes'},\n"
    "  callback = function(keys, a)\n"
    "  local first = redis.call('XRANGE', 'jc:events', '-', '+', 'COUNT', 1)\n"
    "  local there = redis.call('XRANGE', 'jc:events', a[1], a[1])\n"
    "  local f = ''\n"
    "  if first[1] then f = first[1][1] end\n"
    "  return {f, #there}\n"
    "end}\n"
    /* name, sha256: replaces the agent's token. */
    "redis.register_function('jc_agent_add', function(keys, a)\n"
    "  local old = redis.call('HGET', 'jc:agents', a[1])\n"
    "  if old then redis.call('HDEL', 'jc:tokens', old) end\n"
    "  redis.call('HSET', 'jc:agents', a[1], a[2])\n"
    "  redis.call('HSET', 'jc:tokens', a[2], a[1])\n"
    "  audit(a[1], 'agent.add', '', '', '')\n"
    "  return 1\n"
    "end)\n"
    "redis.register_function('jc_agent_revoke', function(keys, a)\n"
    "  local old = redis.call('HGET', 'jc:agents', a[1])\n"
    "  if not old then return 0 end\n"
    "  redis.call('HDEL', 'jc:tokens', old)\n"
    "  redis.call('HDEL', 'jc:agents', a[1])\n"
    "  audit(a[1], 'agent.revoke', '', '', '')\n"
    "  return 1\n"
    "end)\n";

static int
split(const char *s, unsigned long long *ms, unsigned long long *seq)
{
    char *end;
    errno = 0;
    *ms = strtoull(s, &end, 10);
    if (end == s || *end != '-' || errno != 0)
        return -1;
    const char *q = end + 1;
    *seq = strtoull(q, &end, 10);
    if (end == q || *end != '\0' || errno != 0)
        return -1;
    return 0;
}

int
team_id_valid(const char *s)
{
    unsigned long long a, b;
    return s != NULL && s[0] >= '0' && s[0] <= '9' && split(s, &a, &b) == 0;
}

int
team_id_cmp(const char *a, const char *b)
{
    unsigned long long am = 0, as = 0, bm = 0, bs = 0;
    split(a, &am, &as);
    split(b, &bm, &bs);
    if (am != bm)
        return am < bm ? -1 : 1;
    if (as != bs)
        return as < bs ? -1 : 1;
    return 0;
}
