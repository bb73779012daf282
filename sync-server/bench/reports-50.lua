-- wrk script: POST /v1/reports with batches of 50 new events (fresh UUIDs every request, so
-- every event is really stored). Environment: LIFEGUARD_TOKEN (a device token, department
-- police).
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + tid)
  prefix = string.format("%08x", math.random(0, 0x7fffffff))
  counter = 0
  headers = {
    ["Authorization"] = "Bearer " .. os.getenv("LIFEGUARD_TOKEN"),
    ["Content-Type"] = "application/json",
  }
end

function request()
  local events = {}
  for i = 1, 50 do
    counter = counter + 1
    local kind, detectors = "visit_blocked", "{}"
    if counter % 5 == 0 then kind, detectors = "paste_blocked", '{"us_ssn":1,"email":2}' end
    events[i] = string.format(
      '{"id":"%s-%04x-4000-8000-%012x","kind":"%s","time":"2026-11-20T10:00:00Z","host":"chatgpt.com",' ..
      '"rule":"openai-chatgpt","category":"general_purpose_ai","action":"block","detectors":%s,' ..
      '"user":"jane@redondo.org","department":"police","extension_version":"0.1.0","policy_version":1}',
      prefix, tid, counter, kind, detectors)
  end
  return wrk.format("POST", "/v1/reports", headers, '{"events":[' .. table.concat(events, ",") .. ']}')
end

function done(summary, latency, requests)
  io.write(string.format("events/s: %.0f (50 per request)\n", summary.requests / (summary.duration / 1e6) * 50))
end
