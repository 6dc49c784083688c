// Runs a TF.js graph model with @tensorflow/tfjs (pure JS, CPU backend): the reference the
// importer's ONNX output is compared with.
//   node run_tfjs.js <@tensorflow/tfjs dir> <model.json> <shape a,b,c> <input.bin f32> <output.bin f32>
'use strict';
const fs = require('fs');
const path = require('path');
const [, , pkgDir, modelJson, shapeText, inputPath, outputPath] = process.argv;
const tf = require(pkgDir);

async function main() {
  await tf.setBackend('cpu');
  const json = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
  const dir = path.dirname(modelJson);
  const groups = json.weightsManifest || [];
  const weightSpecs = groups.flatMap(g => g.weights);
  const shards = Buffer.concat(groups.flatMap(g => g.paths.map(p => fs.readFileSync(path.join(dir, p)))));
  const weightData = new Uint8Array(shards).buffer;
  const handler = {
    load: async () => ({
      modelTopology: json.modelTopology, weightSpecs, weightData, format: json.format,
      generatedBy: json.generatedBy, convertedBy: json.convertedBy, signature: json.signature,
    }),
  };
  const model = await tf.loadGraphModel(handler);
  const raw = fs.readFileSync(inputPath);
  const input = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
  const x = tf.tensor(input, shapeText.split(',').map(Number), 'float32');
  const y = await model.executeAsync(x);
  const out = Array.isArray(y) ? y[0] : y;
  const data = await out.data();
  fs.writeFileSync(outputPath, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

main().catch(e => { console.error(e && e.stack ? e.stack : e); process.exit(1); });
