# A Memorystore for Redis instance for a Django Channels app on Cloud Run,
# created with Application Default Credentials:
#
#   gcloud auth application-default login   # an account with roles/redis.admin
#   go run ./cmd/rediskit apply --auto-approve examples/memorystore.hcl
#
# Creating takes 5 to 15 minutes; apply shows the operation's progress, and
# if it is stopped (Ctrl-C twice, a crash) the next apply picks the same
# operation up again. The URL is rediss://:AUTH@10.x.x.x:6378/0: AUTH string
# and TLS on, and the instance's CA bundle written beside examples/.env,
# named by the URL's ssl_ca_certs parameter, which redis-py reads:
#
#   CHANNEL_LAYERS = {"default": {
#       "BACKEND": "channels_redis.core.RedisChannelLayer",
#       "CONFIG": {"hosts": [config("REDIS_URL")]},
#   }}
#
# Memorystore has private addresses only: from a laptop the instance is
# "not reachable from here", and the app reaches it from Cloud Run through
# Direct VPC egress (or a Serverless VPC Access connector) on the same
# network. BASIC 1 GB costs about $36 a month in us-central1.

variable "project" {
  description = "GCP project that hosts the app"
  default     = "acme-prod"
}

redis "channels" {
  provider = "memorystore"

  memorystore {
    project            = var.project
    region             = "us-central1" # the Cloud Run region of the app
    instance           = "acme-channels"
    tier               = "BASIC" # STANDARD_HA for a replica and failover
    memory_size_gb     = 1
    redis_version      = "REDIS_7_2"
    network            = "default" # the VPC the app's egress uses
    auth               = true
    transit_encryption = true

    redis_configs = {
      "maxmemory-policy" = "noeviction" # a channel layer must not lose messages
    }
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
