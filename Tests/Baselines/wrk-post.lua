-- wrk script: POST the body of `flywheel bench receiver` (BATCH JSON lines of 300 bytes, newline included)
-- to `flywheel receive`, for its capacity as a separate process:
--   flywheel receive --port 8080 &
--   BATCH=500 wrk -t 1 -c 8 -d 10s -s Tests/Baselines/wrk-post.lua http://127.0.0.1:8080/
-- The receiver's totals (SIGINT) count the records it took.
local batch = tonumber(os.getenv("BATCH") or "500")
local lines = {}
for number = 0, batch - 1 do
  local id = tostring(number + 1000000)
  local line = '{"kind":"preference_pair","conversation_id":"c-' .. id .. '","prompt_event_id":"e-' .. id .. '-p",'
    .. '"chosen":{"model":"model-a","response_id":"r-' .. id .. '-a"},'
    .. '"rejected":{"model":"model-b","response_id":"r-' .. id .. '-b"},"reason":"side_by_side","note":"'
  line = line .. string.rep("x", 300 - #line - 3) .. '"}\n'
  lines[#lines + 1] = line
end
wrk.method = "POST"
wrk.body = table.concat(lines)
wrk.headers["Content-Type"] = "application/x-ndjson"
