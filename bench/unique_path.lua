-- wrk: each request asks for a path no other request asked for (a cache miss each):
-- the prefix given after `--` followed by a number unique across wrk's threads.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  prefix = args[1]
  counter = tid * 10000000
end
function request()
  counter = counter + 1
  return wrk.format(nil, prefix .. counter)
end
