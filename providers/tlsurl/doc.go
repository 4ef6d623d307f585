// Package tlsurl builds the Redis URL an app gets for a backend whose
// server certificate is signed by a CA of its own (Memorystore's
// per-instance CA, a test CA): the one place that decides which query
// parameters name that CA and how the certificate is checked. Every target
// that writes such a URL (dotenv, cloud_run) and `rediskit output` use it,
// so that the URL a person copies is the URL an app gets.
//
// # What the parameters do in redis-py
//
// redis-py (and so channels_redis, which builds its pools with
// redis.asyncio's ConnectionPool.from_url, and Django's cache backend)
// reads query parameters in parse_url: a parameter listed in
// URL_QUERY_ARGUMENT_PARSERS is converted (ssl_check_hostname with to_bool,
// which maps "0", "F", "FALSE", "N", "NO" in any case to False), any other
// is passed on as a string; from_url then lets the URL's values override
// keyword arguments ("querystring arguments always win"). WithCAFile adds:
//
//   - ssl_cert_reqs=required: the chain must verify (the string is mapped to
//     ssl.CERT_REQUIRED). It is the default of redis-py's SSLConnection, but
//     explicit so that other readers of the same URL (Celery's and kombu's,
//     which refuse a rediss:// URL without it) check the chain too.
//   - ssl_ca_certs=PATH: the CA bundle the chain is checked against
//     (SSLContext.load_verify_locations), besides the system roots.
//   - ssl_check_hostname=false, only when the URL's host is an IP address:
//     the chain is still checked against the CA, the name is not. Clients
//     reach Memorystore by IP and its server certificate need not name that
//     IP; the CA is the instance's own, so a certificate that chains to it
//     is the instance's. redis-py 6.0 turned host name checks on by default
//     (redis/redis-py#3626, and #3629 for IP addresses failing), 4.x and 5.x
//     had them off; without this parameter the same URL works on 4 and 5 and
//     fails on 6. A URL with a host name keeps the check in every version.
//
// Verified in the sources: redis-py 4.3.4 (Debian bookworm's python3-redis;
// redis/connection.py and redis/asyncio/connection.py), a 5.0 release's
// redis/asyncio/connection.py (ssl_check_hostname defaults to False, parsed
// with to_bool, URL values win in from_url) and a 6.x/7.x
// redis/connection.py (ssl_check_hostname defaults to True, still parsed
// with to_bool; ssl_cert_reqs strings still mapped; check_hostname forced
// off only when cert_reqs is "none"). What runs for real (redispy_test.go,
// and cmd's output_tls script) is Debian's redis-py 4.3.4 with channels_redis
// 4.0.0: the URL connects as it is and with ssl_check_hostname=True passed
// as a keyword (redis-py 6's default), and fails without the parameter or
// with another CA, so the chain is checked.
package tlsurl
