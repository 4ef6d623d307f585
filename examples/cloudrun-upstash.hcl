# A Django Channels app on Cloud Run whose channel layer runs on Upstash.
# rediskit creates the database over the Upstash Developer API, proves over
# TLS that it works as a channel layer, keeps its URL in Secret Manager and
# points the service's REDIS_URL at it:
#
#   export UPSTASH_EMAIL=you@example.com
#   export UPSTASH_API_KEY=...   # console.upstash.com → Account → Management API
#   gcloud auth application-default login   # roles: README, "Cloud Run"
#   go run ./cmd/rediskit apply --auto-approve examples/cloudrun-upstash.hcl
#
# The secret acme-redis-url gets a new version holding the URL, the
# service's runtime service account may read it (and nothing else gets
# access), and REDIS_URL references that version by number. Nothing else
# about the service changes. The new revision must become ready; if it
# does not, the previous REDIS_URL is put back and apply says why.
#
# settings.py then reads it as any other variable:
#
#   CHANNEL_LAYERS = {"default": {
#       "BACKEND": "channels_redis.core.RedisChannelLayer",
#       "CONFIG": {"hosts": [os.environ["REDIS_URL"]]},
#   }}

variable "project" {
  description = "GCP project that hosts the app"
  default     = "acme-prod"
}

redis "channels" {
  provider = "upstash"

  upstash {
    name           = "acme-channels"
    primary_region = "us-central1" # next to the Cloud Run region of the app
    eviction       = false         # a channel layer must not lose messages
    budget         = 20            # USD per month, once past the free tier
  }
}

target "cloud_run" "web" {
  redis   = redis.channels
  project = var.project
  region  = "us-central1"
  service = "acme-web"
  env     = "REDIS_URL"
  secret  = "acme-redis-url" # without it, REDIS_URL holds the URL itself
}
