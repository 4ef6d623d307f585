"""Connects to a TLS Redis the way a Django Channels app does, with the URL
rediskit writes, and prints one line per check: "NAME ok" or
"NAME error: TYPE: MESSAGE". redispy_test.go decides which must pass.

argv: URL, URL without ssl_check_hostname, URL naming another CA.
"""
import asyncio
import sys

import channels_redis
import redis
import redis.asyncio
from channels_redis.core import RedisChannelLayer

url, url_no_hostname_param, url_other_ca = sys.argv[1:4]


def check(name, fn):
    try:
        fn()
    except Exception as e:  # the test reads the messages of the whole chain
        chain = []
        while e is not None and len(chain) < 5:
            chain.append(f"{type(e).__name__}: {e}")
            e = e.__cause__ or e.__context__
        print(f"{name} error: {' <- '.join(chain)}", flush=True)
    else:
        print(f"{name} ok", flush=True)


def ping(u, **kwargs):
    client = redis.from_url(u, **kwargs)
    try:
        assert client.ping() is True
    finally:
        client.close()


def parsed_check_hostname():
    # to_bool must turn "false" into False: the string would be truthy.
    value = redis.ConnectionPool.from_url(url, ssl_check_hostname=True).connection_kwargs["ssl_check_hostname"]
    assert value is False, repr(value)
    value = redis.asyncio.ConnectionPool.from_url(url, ssl_check_hostname=True).connection_kwargs["ssl_check_hostname"]
    assert value is False, repr(value)


async def async_ping(u, **kwargs):
    client = redis.asyncio.Redis(connection_pool=redis.asyncio.ConnectionPool.from_url(u, **kwargs))
    try:
        assert await client.ping() is True
    finally:
        await client.close()


async def channel_layer():
    layer = RedisChannelLayer(hosts=[url])
    try:
        name = await layer.new_channel()
        await layer.send(name, {"type": "hello", "n": 1})
        got = await asyncio.wait_for(layer.receive(name), 10)
        assert got == {"type": "hello", "n": 1}, got
        await layer.group_add("rediskit-group", name)
        await layer.group_send("rediskit-group", {"type": "to.group"})
        got = await asyncio.wait_for(layer.receive(name), 10)
        assert got == {"type": "to.group"}, got
        await layer.group_discard("rediskit-group", name)
    finally:
        await layer.flush()
        await layer.close_pools()


print(f"versions redis-py {redis.__version__} channels_redis {channels_redis.__version__}", flush=True)
check("url", lambda: ping(url))
check("parsed", parsed_check_hostname)
check("url+check_hostname_kwarg", lambda: ping(url, ssl_check_hostname=True))
check("async_url+check_hostname_kwarg", lambda: asyncio.run(async_ping(url, ssl_check_hostname=True)))
check("no_param+check_hostname_kwarg", lambda: ping(url_no_hostname_param, ssl_check_hostname=True))
check("async_no_param+check_hostname_kwarg", lambda: asyncio.run(async_ping(url_no_hostname_param, ssl_check_hostname=True)))
check("other_ca", lambda: ping(url_other_ca))
check("channel_layer", lambda: asyncio.run(channel_layer()))
