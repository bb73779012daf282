-- wrk script: GET /v1/policy with If-None-Match naming the current bundle, answered 304.
-- This is the steady state of every extension's periodic sync.
-- Environment: LIFEGUARD_TOKEN (a device token), LIFEGUARD_ETAG (the current ETag, quoted).
wrk.method = "GET"
wrk.path = "/v1/policy"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LIFEGUARD_TOKEN")
wrk.headers["If-None-Match"] = os.getenv("LIFEGUARD_ETAG")
