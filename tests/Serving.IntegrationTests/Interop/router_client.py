"""A python3-grpcio client generated from the public protocols (KServe v2, serving.v1) calling a router.

argv: <stubs dir> <router host:port> <face image> <other face image>
Prints "ok <check>" per passed check and "done" at the end; exits non-zero on the first failure.
"""
import struct
import sys

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
from inference import grpc_service_pb2 as v2, grpc_service_pb2_grpc as v2_grpc  # noqa: E402
from serving.v1 import vision_pb2 as vision, vision_pb2_grpc as vision_grpc  # noqa: E402

channel = grpc.insecure_channel(sys.argv[2])
inference = v2_grpc.GRPCInferenceServiceStub(channel)

assert inference.ServerLive(v2.ServerLiveRequest(), timeout=30).live
assert inference.ServerReady(v2.ServerReadyRequest(), timeout=30).ready
assert inference.ModelReady(v2.ModelReadyRequest(name="face-embedding"), timeout=30).ready
print("ok ready")

metadata = inference.ModelMetadata(v2.ModelMetadataRequest(name="face-embedding"), timeout=30)
assert metadata.name == "face-embedding", metadata
assert metadata.inputs[0].name == "input", metadata
print("ok metadata by alias")

request = v2.ModelInferRequest(model_name="face-embedding")
tensor = request.inputs.add()
tensor.name = "input"
tensor.datatype = "FP32"
tensor.shape.extend([1, 3, 112, 112])
request.raw_input_contents.append(struct.pack("<%df" % (3 * 112 * 112), *([0.25] * (3 * 112 * 112))))
request.parameters["slo_class"].string_param = "interactive"
response = inference.ModelInfer(request, timeout=30)
assert response.model_name.startswith("fr_feature"), response.model_name
assert list(response.outputs[0].shape) == [1, 512], response.outputs[0]
assert len(response.raw_output_contents[0]) == 512 * 4
assert response.parameters["worker"].string_param
print("ok infer by alias -> " + response.model_name)

try:
    inference.ModelInfer(v2.ModelInferRequest(model_name="no-such-task"), timeout=30)
    raise SystemExit("unknown alias was accepted")
except grpc.RpcError as error:
    assert error.code() == grpc.StatusCode.NOT_FOUND, error
    print("ok unknown alias NOT_FOUND")

face = vision_grpc.FaceServiceStub(channel)
with open(sys.argv[3], "rb") as a, open(sys.argv[4], "rb") as b:
    verdict = face.Verify(vision.VerifyRequest(image_a=a.read(), image_b=b.read()), timeout=60)
assert -1 <= verdict.score <= 1 and verdict.served_by.variant, verdict
print("ok verify score=%.3f same=%s" % (verdict.score, verdict.same))

try:
    face.Embed(vision.EmbedRequest(image=b"not an image"), timeout=30)
    raise SystemExit("garbage image was accepted")
except grpc.RpcError as error:
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error
    print("ok garbage INVALID_ARGUMENT")

print("done")
