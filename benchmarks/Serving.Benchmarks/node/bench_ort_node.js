// onnxruntime-node side of the onnx benchmark: times session.run on one float32 input and prints JSON.
//   node bench_ort_node.js <onnxruntime-node dir> <model> <input name> <dims> <input.bin> <threads> <warmup> <iterations>
'use strict';
const fs = require('fs');

async function main() {
  const [ortDir, modelPath, inputName, dimsText, inputPath, threadsText, warmupText, iterationsText] = process.argv.slice(2);
  const ort = require(ortDir);
  const threads = Number(threadsText);
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const bytes = fs.readFileSync(inputPath);
  const input = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(input.buffer).set(bytes);
  const feeds = { [inputName]: new ort.Tensor('float32', input, dimsText.split(',').map(Number)) };

  for (let i = 0; i < Number(warmupText); i++) {
    await session.run(feeds);
  }

  const iterations = Number(iterationsText);
  const samples = new Float64Array(iterations);
  let checksum = 0;
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    const results = await session.run(feeds);
    samples[i] = Number(process.hrtime.bigint() - start) / 1e6;
    checksum += results[session.outputNames[0]].data[0];
  }

  console.log(JSON.stringify({ samplesMs: Array.from(samples), checksum }));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
