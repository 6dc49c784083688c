"""A python3-grpcio client that exercises a serving.test.EchoService server, for interop tests.

Usage: echo_client.py STUBS_DIR PORT
Prints one JSON object per scenario: {"scenario": ..., "ok": bool, "detail": ...}.
"""
import json
import sys
import threading

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
import echo_pb2  # noqa: E402
import echo_pb2_grpc  # noqa: E402
import health_pb2  # noqa: E402

MIB = 1024 * 1024
NON_ASCII = "not found: caf\u00e9 \u2713 100%"
BLOB = bytes([0, 1, 2, 127, 128, 254, 255])


def payload(size, seed):
    return bytes((i * 31 + seed) % 256 for i in range(size)) if size < MIB else bytes([seed % 256]) * size


def expect(condition, detail):
    if not condition:
        raise AssertionError(detail)


def expect_code(call, code):
    try:
        call()
    except grpc.RpcError as error:
        expect(error.code() == code, "expected %s, got %s: %s" % (code, error.code(), error.details()))
        return error
    raise AssertionError("expected %s, call succeeded" % (code,))


def unary(stub):
    response = stub.Unary(echo_pb2.EchoRequest(text="hello", payload=payload(1024, 1)))
    expect(response.text == "hello" and response.payload == payload(1024, 1), "echo mismatch")


def server_streaming(stub):
    indexes = [r.index for r in stub.ServerStream(echo_pb2.EchoRequest(text="s", repeat=10))]
    expect(indexes == list(range(10)), "indexes %r" % indexes)


def client_streaming(stub):
    requests = (echo_pb2.EchoRequest(text=str(i), payload=b"x" * 10) for i in range(10))
    response = stub.ClientStream(requests)
    expect(response.count == 10 and response.text == "0,1,2,3,4,5,6,7,8,9" and response.index == 100, "aggregate %r" % response)


def bidi(stub):
    # Ping-pong: each request is sent only after the previous response arrived.
    ready = threading.Semaphore(0)
    received = []

    def requests():
        for i in range(10):
            yield echo_pb2.EchoRequest(text="m%d" % i)
            ready.acquire()

    for response in stub.Duplex(requests()):
        received.append((response.text, response.index))
        ready.release()
    expect(received == [("m%d" % i, i) for i in range(10)], "received %r" % received)


def deadline_exceeded(stub):
    expect_code(lambda: stub.Unary(echo_pb2.EchoRequest(text="deadline", sleep_until_cancelled=True), timeout=0.5),
                grpc.StatusCode.DEADLINE_EXCEEDED)


def cancellation(stub):
    # Read one message first so the server handler is certainly running, then cancel.
    call = stub.ServerStream(echo_pb2.EchoRequest(text="cancel-me", repeat=1, sleep_until_cancelled=True))
    first = next(call)
    expect(first.index == 0, "first message")
    call.cancel()
    try:
        next(call)
        raise AssertionError("stream continued after cancel")
    except grpc.RpcError as error:
        expect(error.code() == grpc.StatusCode.CANCELLED, "got %s" % error.code())


def large_32mib(stub):
    data = payload(32 * MIB, 7)
    response = stub.Unary(echo_pb2.EchoRequest(payload=data))
    expect(response.payload == data, "32 MiB payload mismatch")


def over_limit(stub):
    error = expect_code(lambda: stub.Unary(echo_pb2.EchoRequest(payload=b"\0" * (64 * MIB + 1))),
                        grpc.StatusCode.RESOURCE_EXHAUSTED)
    expect("exceeds" in error.details(), "details %r" % error.details())


def error_status(stub):
    error = expect_code(lambda: stub.Unary(echo_pb2.EchoRequest(error_code=5, error_message=NON_ASCII)),
                        grpc.StatusCode.NOT_FOUND)
    expect(error.details() == NON_ASCII, "details %r" % error.details())


def binary_metadata(stub):
    metadata = (("x-user", "alice"), ("x-blob-bin", BLOB))
    response, call = stub.Unary.with_call(echo_pb2.EchoRequest(text="md", echo_metadata=True), metadata=metadata)
    initial = dict(call.initial_metadata())
    trailing = dict(call.trailing_metadata())
    expect(initial.get("x-user") == "alice" and initial.get("x-blob-bin") == BLOB, "initial %r" % initial)
    expect(trailing.get("x-user") == "alice" and trailing.get("x-blob-bin") == BLOB, "trailing %r" % trailing)


def unimplemented(channel):
    call = channel.unary_unary("/serving.test.EchoService/Missing")
    expect_code(lambda: call(b""), grpc.StatusCode.UNIMPLEMENTED)


def health(channel):
    check = channel.unary_unary("/grpc.health.v1.Health/Check",
                                request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                                response_deserializer=health_pb2.HealthCheckResponse.FromString)
    response = check(health_pb2.HealthCheckRequest(service=""))
    expect(response.status == health_pb2.HealthCheckResponse.SERVING, "status %r" % response.status)
    expect_code(lambda: check(health_pb2.HealthCheckRequest(service="nope")), grpc.StatusCode.NOT_FOUND)


def compressed(stub):
    response = stub.Unary(echo_pb2.EchoRequest(text="gz", payload=b"a" * 10000), compression=grpc.Compression.Gzip)
    expect(response.count == 10000, "count %r" % response.count)


SCENARIOS = [unary, server_streaming, client_streaming, bidi, deadline_exceeded, cancellation,
             large_32mib, over_limit, error_status, binary_metadata, compressed]
CHANNEL_SCENARIOS = [unimplemented, health]


def main():
    options = [("grpc.max_receive_message_length", 64 * MIB), ("grpc.max_send_message_length", -1)]
    with grpc.insecure_channel("127.0.0.1:%s" % sys.argv[2], options=options) as channel:
        stub = echo_pb2_grpc.EchoServiceStub(channel)
        runs = [(s.__name__, lambda s=s: s(stub)) for s in SCENARIOS]
        runs += [(s.__name__, lambda s=s: s(channel)) for s in CHANNEL_SCENARIOS]
        for name, run in runs:
            try:
                run()
                result = {"scenario": name, "ok": True, "detail": ""}
            except Exception as error:  # report every scenario, never stop at the first failure
                result = {"scenario": name, "ok": False, "detail": "%s: %s" % (type(error).__name__, error)}
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
