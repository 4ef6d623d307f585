# A Redis on this machine for developing a Django Channels app.
#
#   go run ./cmd/rediskit apply --auto-approve examples/local.hcl
#
# starts redis-server (or, when it is not installed, an embedded
# Redis-compatible server), proves it works as a channel layer and writes
# REDIS_URL into examples/.env for settings.py to read:
#
#   CHANNEL_LAYERS = {"default": {
#       "BACKEND": "channels_redis.core.RedisChannelLayer",
#       "CONFIG": {"hosts": [config("REDIS_URL")]},
#   }}

redis "channels" {
  provider = "local"

  local {}

  verify {
    channels = true
    pubsub   = true
  }
}

target "dotenv" "dev" {
  redis = redis.channels
  path  = ".env"
}
