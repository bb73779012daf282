-- wrk script: GET /v1/policy as a browser sends it (Accept-Encoding: gzip). With
-- LIFEGUARD_ETAG set (the gzipped bundle's ETag) it is answered 304, the steady state of
-- every extension's sync; without it, the full bundle, gzipped.
-- Environment: LIFEGUARD_TOKEN (a device token), LIFEGUARD_ETAG (optional).
wrk.method = "GET"
wrk.path = "/v1/policy"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LIFEGUARD_TOKEN")
wrk.headers["Accept-Encoding"] = "gzip, deflate, br, zstd"
local etag = os.getenv("LIFEGUARD_ETAG")
if etag and etag ~= "" then
  wrk.headers["If-None-Match"] = etag
end
