"""A python3-grpcio implementation of serving.test.EchoService, for interop tests.

Usage: echo_server.py STUBS_DIR
Prints "PORT <n>" once listening on 127.0.0.1, then "WAITING <text>" when a handler starts
waiting for cancellation and "CANCELLED <text>" when that wait ends because the call was
cancelled (deadline or client), so the C# test can synchronise without sleeping.
"""
import sys
import threading
from concurrent import futures

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
import echo_pb2  # noqa: E402
import echo_pb2_grpc  # noqa: E402

MAX_MESSAGE = 64 * 1024 * 1024
CODES = {code.value[0]: code for code in grpc.StatusCode}
_print_lock = threading.Lock()


def emit(line):
    with _print_lock:
        print(line, flush=True)


def echo_metadata(context, send_headers=True):
    echoed = [(k, v) for k, v in context.invocation_metadata() if k.startswith("x-")]
    if send_headers:
        context.send_initial_metadata(echoed)
    context.set_trailing_metadata(echoed)


def prepare(request, context, skip_metadata=False):
    if request.echo_metadata and not skip_metadata:
        echo_metadata(context)
    if request.sleep_until_cancelled:
        done = threading.Event()
        context.add_callback(done.set)
        emit("WAITING " + request.text)
        done.wait(60)
        emit("CANCELLED " + request.text)
        return False
    if request.error_code:
        context.abort(CODES[request.error_code], request.error_message)
    return True


def reply(request, index):
    payload = request.payload
    if request.response_payload_size:
        payload = bytes(i % 251 for i in range(request.response_payload_size))
    return echo_pb2.EchoResponse(text=request.text, payload=payload, index=index, count=len(request.payload))


class EchoService(echo_pb2_grpc.EchoServiceServicer):
    def Unary(self, request, context):
        if not prepare(request, context):
            return echo_pb2.EchoResponse()
        return reply(request, 0)

    def ServerStream(self, request, context):
        if request.echo_metadata:
            echo_metadata(context)
        for i in range(request.repeat):
            yield reply(request, i)
        prepare(request, context, skip_metadata=True)

    def ClientStream(self, request_iterator, context):
        texts = []
        total = 0
        for request in request_iterator:
            texts.append(request.text)
            total += len(request.payload)
            if request.error_code or request.sleep_until_cancelled:
                if not prepare(request, context):
                    return echo_pb2.EchoResponse()
        return echo_pb2.EchoResponse(text=",".join(texts), count=len(texts), index=total)

    def Duplex(self, request_iterator, context):
        index = 0
        for request in request_iterator:
            if index == 0 and request.echo_metadata:
                echo_metadata(context)
            if not prepare(request, context, skip_metadata=True):
                return
            yield reply(request, index)
            index += 1


def main():
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=16),
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE),
            ("grpc.max_send_message_length", MAX_MESSAGE),
        ],
    )
    echo_pb2_grpc.add_EchoServiceServicer_to_server(EchoService(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    emit("PORT %d" % port)
    # Exit when the test closes our stdin (or kills us): no orphan servers.
    sys.stdin.read()
    server.stop(0)


if __name__ == "__main__":
    main()
