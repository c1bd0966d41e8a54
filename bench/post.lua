-- wrk script: POSTs the request bodies of a file (one per line) in turn, as
-- application/json, to the URL's path, as a forwarding webhead carrying
-- FORWARDER_TOKEN (kpid's --forwarder-token-file) when it is given.
--   wrk -t1 -c64 -d5s -s bench/post.lua http://127.0.0.1:PORT/wsapi/interaction_data -- BODIES [FORWARDER_TOKEN]
local bodies = {}
local next_body = 0

function init(args)
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  if #bodies == 0 then
    error("no request bodies in " .. tostring(args[1]))
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[2] then
    wrk.headers["X-KPI-Forwarder-Token"] = args[2]
  end
end

function request()
  next_body = next_body % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[next_body])
end
