// Reference implementation for Serving.OnnxRuntime.Tests: runs one model on one float32 input with
// onnxruntime-node (ONNX Runtime's own JavaScript binding) and writes the first output's float32 values.
//   node run_ort_node.js <onnxruntime-node dir> <model.onnx> <input name> <dims, comma separated> <input.bin> <output.bin>
'use strict';
const fs = require('fs');

async function main() {
  const [ortDir, modelPath, inputName, dimsText, inputPath, outputPath] = process.argv.slice(2);
  if (!outputPath) {
    throw new Error('usage: run_ort_node.js <onnxruntime-node dir> <model> <input name> <dims> <input.bin> <output.bin>');
  }
  const ort = require(ortDir);
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const bytes = fs.readFileSync(inputPath);
  // Copy into a fresh, aligned ArrayBuffer: a Buffer may start at an offset a Float32Array cannot use.
  const input = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(input.buffer).set(bytes);
  const dims = dimsText.split(',').map(Number);
  const results = await session.run({ [inputName]: new ort.Tensor('float32', input, dims) });
  const output = results[session.outputNames[0]];
  fs.writeFileSync(outputPath, Buffer.from(output.data.buffer, output.data.byteOffset, output.data.byteLength));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
