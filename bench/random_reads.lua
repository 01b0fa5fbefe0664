-- wrk script: every request a different read, so no response cache can answer it.
--   wrk -s bench/random_reads.lua URL -- bbox <minx> <miny> <maxx> <maxy> <w> <h> <limit>
--   wrk -s bench/random_reads.lua URL -- id <file with one place id a line>
-- The bbox mode draws a w x h degree box anywhere inside the given area; the id mode
-- draws one of the ids (the file is written beside the benchmark database).

local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
  table.insert(threads, thread)
end

local mode, area, size, limit, ids

function init(args)
  math.randomseed(os.time() * 1000 + seed)
  mode = args[1]
  if mode == "bbox" then
    area = {tonumber(args[2]), tonumber(args[3]), tonumber(args[4]), tonumber(args[5])}
    size = {tonumber(args[6]), tonumber(args[7])}
    limit = args[8]
  elseif mode == "id" then
    ids = {}
    for line in io.lines(args[2]) do
      ids[#ids + 1] = line
    end
  else
    error("mode must be bbox or id")
  end
end

function request()
  local path
  if mode == "bbox" then
    local x = area[1] + math.random() * (area[3] - area[1] - size[1])
    local y = area[2] + math.random() * (area[4] - area[2] - size[2])
    path = string.format("/collections/places/items?bbox=%.6f,%.6f,%.6f,%.6f&limit=%s",
                         x, y, x + size[1], y + size[2], limit)
  else
    path = "/collections/places/items/" .. ids[math.random(#ids)]
  end
  return wrk.format("GET", path)
end
