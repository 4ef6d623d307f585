# A Django Channels app on Cloud Run whose channel layer runs on Memorystore
# for Redis, with AUTH and TLS:
#
#   gcloud auth application-default login   # roles: README, "Cloud Run"
#   go run ./cmd/rediskit apply --auto-approve examples/cloudrun-memorystore.hcl
#
# creates the instance (5 to 15 minutes), keeps its URL
# (rediss://:AUTH@10.x.x.x:6378/0) in Secret Manager and its CA bundle in a
# second secret, acme-redis-url-ca, mounted into the app container at
# /etc/rediskit/redis-url/ca.pem, which the URL's ssl_ca_certs parameter
# names (redis-py reads it). Memorystore has private addresses only, so the
# service gets Direct VPC egress into the instance's network: without the
# vpc block, plan refuses unless the service has VPC egress there already.
#
# The new revision must become ready, which proves the app reached the
# instance; if it does not, the previous REDIS_URL, volumes and VPC
# settings are put back and apply says why.

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
    tier               = "BASIC"
    memory_size_gb     = 1
    redis_version      = "REDIS_7_2"
    network            = "default"
    auth               = true
    transit_encryption = true
  }
}

target "cloud_run" "web" {
  redis   = redis.channels
  project = var.project
  region  = "us-central1"
  service = "acme-web"
  secret  = "acme-redis-url"

  vpc {
    network    = "default"             # the instance's network
    subnetwork = "default"             # a /26 or larger subnet in us-central1
    egress     = "private-ranges-only" # only private addresses go through the VPC
  }
}
