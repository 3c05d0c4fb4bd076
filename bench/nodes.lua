-- wrk script: GET a random node's document; with mode "304" send that node's ETag in If-None-Match.
-- Arguments (after --): a file of "path etag" lines, then "200" or "304".
local targets = {}
local mode = "200"
s200, s304, sother = 0, 0, 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  for line in io.lines(args[1]) do
    local path, tag = line:match("^(%S+) (.+)$")
    if path then table.insert(targets, { path = path, etag = tag }) end
  end
  mode = args[2] or "200"
  math.randomseed(os.time() * 100 + (id or 0))
end

function request()
  local t = targets[math.random(#targets)]
  if mode == "304" then
    return wrk.format("GET", t.path, { ["If-None-Match"] = t.etag })
  end
  return wrk.format("GET", t.path)
end

function response(status)
  if status == 200 then s200 = s200 + 1
  elseif status == 304 then s304 = s304 + 1
  else sother = sother + 1 end
end

function done()
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s200"); b = b + t:get("s304"); c = c + t:get("sother")
  end
  io.write(string.format("STATUS 200=%d 304=%d other=%d\n", a, b, c))
end
