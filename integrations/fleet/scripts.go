package fleet

import "github.com/redis/go-redis/v9"

// Every script touches one key (a hash), so the fleet also works on a Redis Cluster, and reads
// the time with TIME on the server, so that the processes' clocks never matter. Scripts run
// atomically: no lock is ever taken, let alone held while a call runs.

// leaseScript credits a process's calls to the fleet's bucket (and the trickle since the last
// visit), takes back tokens it returns, and leases it up to want tokens.
// KEYS[1]: the budget. ARGV: micro-tokens per call, micro-tokens per second, capacity in
// micro-tokens, calls, want, tokens returned. Returns {granted, whole tokens left}.
var leaseScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local v = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local cap = tonumber(ARGV[3])
local tokens = tonumber(v[1]) or cap
local at = tonumber(v[2]) or now
if now > at then
  tokens = tokens + (now - at) * tonumber(ARGV[2]) / 1000000
  at = now
end
tokens = math.min(cap, tokens + tonumber(ARGV[4]) * tonumber(ARGV[1]) + tonumber(ARGV[6]) * 1000000)
local grant = math.max(0, math.min(tonumber(ARGV[5]), math.floor(tokens / 1000000)))
tokens = tokens - grant * 1000000
redis.call('HSET', KEYS[1], 'tokens', string.format('%.0f', tokens), 'at', string.format('%.0f', at))
return {grant, math.floor(tokens / 1000000)}
`)

// openScript opens a key's fleet breaker, unless another process opened it after the epoch the
// caller knows, and tells every process. The epoch is at least one more than the caller's, so a
// Redis that restarted empty does not hand out epochs the processes take for old news.
// KEYS[1]: the key's breaker. ARGV: epoch known, channel, message tail ("origin key").
// Returns the fleet's epoch.
var openScript = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'state', 'epoch')
local epoch = tonumber(v[2]) or 0
local seen = tonumber(ARGV[1])
if v[1] == 'open' and epoch > seen then return epoch end
epoch = math.max(epoch, seen) + 1
redis.call('HSET', KEYS[1], 'state', 'open', 'epoch', epoch, 'probes', 0, 'probeAt', 0)
redis.call('PUBLISH', ARGV[2], 'open ' .. epoch .. ' ' .. ARGV[3])
return epoch
`)

// closeScript closes a key's fleet breaker if it is still the open period the caller knows
// (a probe of that period succeeded), and tells every process.
// KEYS[1]: the key's breaker. ARGV: epoch known, channel, message tail.
// Returns {1 if closed, the fleet's epoch, 1 if the fleet is open}.
var closeScript = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'state', 'epoch')
local epoch = tonumber(v[2]) or 0
if v[1] ~= 'open' or epoch ~= tonumber(ARGV[1]) then
  return {0, epoch, v[1] == 'open' and 1 or 0}
end
epoch = epoch + 1
redis.call('HSET', KEYS[1], 'state', 'closed', 'epoch', epoch)
redis.call('PUBLISH', ARGV[2], 'close ' .. epoch .. ' ' .. ARGV[3])
return {1, epoch, 0}
`)

// probeScript hands out one of the open period's fleet probe slots. Slots are not given back:
// a probe ends the period (success closes, failure reopens) or says nothing, and then its slot
// comes free when the lease runs out, so a process that died holding one blocks no one for good.
// KEYS[1]: the key's breaker. ARGV: probes, lease in ms. Returns 1 if granted.
var probeScript = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'state', 'probes', 'probeAt')
if v[1] ~= 'open' then return 1 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local probes = tonumber(v[2]) or 0
if now - (tonumber(v[3]) or 0) >= tonumber(ARGV[2]) then probes = 0 end
if probes >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'probes', probes + 1, 'probeAt', now)
return 1
`)
