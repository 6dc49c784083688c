"""Calls every RPC of inference.GRPCInferenceService with stubs generated from protos/inference.

Usage: kserve_client.py <stub dir> <host:port>. Prints one line per check; exits 1 on the first failure.
"""
import struct
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
from inference import grpc_service_pb2 as pb  # noqa: E402
from inference import grpc_service_pb2_grpc as rpc  # noqa: E402


def check(name, condition, detail=""):
    if not condition:
        print(f"FAIL {name} {detail}", flush=True)
        sys.exit(1)
    print(f"ok {name}", flush=True)


channel = grpc.insecure_channel(sys.argv[2])
stub = rpc.GRPCInferenceServiceStub(channel)
check("ServerLive", stub.ServerLive(pb.ServerLiveRequest()).live)
check("ServerReady", stub.ServerReady(pb.ServerReadyRequest()).ready)
check("ModelReady", stub.ModelReady(pb.ModelReadyRequest(name="doubler")).ready)
check("ServerMetadata", stub.ServerMetadata(pb.ServerMetadataRequest()).name == "serving")
meta = stub.ModelMetadata(pb.ModelMetadataRequest(name="doubler"))
check("ModelMetadata", list(meta.inputs[0].shape) == [-1, 4] and meta.inputs[0].datatype == "FP32", str(meta))

request = pb.ModelInferRequest(model_name="doubler", id="py-1")
request.inputs.add(name="x", datatype="FP32", shape=[1, 4])
request.raw_input_contents.append(struct.pack("<4f", 1, 2, 3, 4))
request.parameters["priority"].int64_param = 1
request.parameters["timeout"].int64_param = 5_000_000
response = stub.ModelInfer(request, timeout=30)
y = struct.unpack("<4f", response.raw_output_contents[0])
check("ModelInfer", response.id == "py-1" and y == (2.0, 4.0, 6.0, 8.0), str(y))

responses = list(stub.ModelStreamInfer(iter([request, request]), timeout=30))
check("ModelStreamInfer", len(responses) == 2 and all(r.error_message == "" and r.infer_response.id == "py-1" for r in responses))

config = stub.ModelConfig(pb.ModelConfigRequest(name="doubler")).config
check("ModelConfig", config.max_batch_size == 8 and config.name == "doubler", str(config))
stats = stub.ModelStatistics(pb.ModelStatisticsRequest(name="doubler"))
check("ModelStatistics", stats.model_stats[0].inference_stats.success.count >= 3, str(stats))
index = stub.RepositoryIndex(pb.RepositoryIndexRequest())
check("RepositoryIndex", [(m.name, m.state) for m in index.models] == [("doubler", "READY")], str(index))
stub.RepositoryModelUnload(pb.RepositoryModelUnloadRequest(model_name="doubler"))
check("RepositoryModelUnload", not stub.ModelReady(pb.ModelReadyRequest(name="doubler")).ready)
try:
    stub.ModelInfer(request, timeout=30)
    check("ModelInfer after unload", False)
except grpc.RpcError as error:
    check("ModelInfer after unload", error.code() == grpc.StatusCode.UNAVAILABLE, str(error.code()))
stub.RepositoryModelLoad(pb.RepositoryModelLoadRequest(model_name="doubler"))
check("RepositoryModelLoad", stub.ModelReady(pb.ModelReadyRequest(name="doubler")).ready)
try:
    stub.ModelInfer(pb.ModelInferRequest(model_name="missing"), timeout=30)
    check("ModelInfer unknown model", False)
except grpc.RpcError as error:
    check("ModelInfer unknown model", error.code() == grpc.StatusCode.NOT_FOUND and "missing" in error.details(), error.details())
print("done", flush=True)
