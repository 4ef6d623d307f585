# An Upstash Redis for a Django Channels app, created over the Upstash
# Developer API (the free tier is enough to start):
#
#   export UPSTASH_EMAIL=you@example.com
#   export UPSTASH_API_KEY=...   # console.upstash.com → Account → Management API
#   go run ./cmd/rediskit apply --auto-approve examples/upstash.hcl
#
# creates the database, proves over TLS that it works as a channel layer and
# writes REDIS_URL (rediss://default:…@….upstash.io:PORT) into examples/.env
# for settings.py to read:
#
#   CHANNEL_LAYERS = {"default": {
#       "BACKEND": "channels_redis.core.RedisChannelLayer",
#       "CONFIG": {"hosts": [config("REDIS_URL")]},
#   }}
#
# The core layer polls Redis even when idle, which Upstash bills; with
# several workers consider channels_redis.pubsub.RedisPubSubChannelLayer
# (and pubsub = true below).

redis "channels" {
  provider = "upstash"

  upstash {
    name           = "acme-channels"
    primary_region = "us-central1" # next to the Cloud Run region of the app
    eviction       = false         # a channel layer must not lose messages
    budget         = 20            # USD per month, once past the free tier
  }

  verify {
    channels = true
    pubsub   = false
  }
}

target "dotenv" "dev" {
  redis = redis.channels
  path  = ".env"
}
