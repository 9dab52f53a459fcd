// On-device mode's engine, in a Web Worker: the ExecuTorch WebAssembly runtime (demo_app/web_runtime/)
// running the same int8 .pte the server has. One job: turn pictures into stylized pixels off the page's
// thread, so a 100 ms frame never freezes the controls, the camera view or the counters.
//
// Messages (ondevice.js is the other side; every reply carries the request's id):
//   {type: "load", id, info, size}                  -> {type: "loaded", id, timings}
//   {type: "stylize", id, bitmap, size, weights, strength, vector, vectorWeight}
//                                                   -> {type: "stylized", id, pixels, width, height, ms}
//   {type: "run", id, size, chw, weights, strength, vector, vectorWeight} -> {type: "ran", id, out, ms}
// vector (null or a Float32Array of the manifest's style_vector length: an uploaded painting) runs the
// program's vector_<H>x<W> method, blended with the weights' styles by vectorWeight.
//   any failure                                     -> {type: "error", id, message}  (one sentence)
// Pictures arrive as transferred ImageBitmaps and leave as transferred buffers: nothing is copied
// between the threads. Fitting a picture to an exported size is done here the way the server does it
// (demo_app/frames.py: letterbox with mirrored edges, then crop back); the program's three inputs are
// fed as demo_app/engine.py does (image 1x3xHxW in [0, 1], style weights 1xS, strength 1x1).
"use strict";

let et = null;      // the runtime (createExecuTorch's module)
let runner = null;  // the loaded program

function errorText(err) {
  const text = (err && err.message) || String(err);
  return text.split("\n")[0];
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The program's header, checked before the runtime sees it (as edgenst.runtime does): a wrong or
// truncated download gets a sentence, not a runtime error code.
function checkHeader(bytes, name) {
  const ident = String.fromCharCode(...bytes.subarray(4, 8));
  if (bytes.length < 16 || ident !== "ET12") {
    throw new Error(`${name} is not an ExecuTorch program (bad header: corrupt download or another format)`);
  }
}

async function download(url, what) {
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw new Error(`${what} did not download (${errorText(err)})`);
  }
}

// Both downloads are checked against the sha256 the server's /api/info announced, with sha256.js
// rather than crypto.subtle: the demo is often opened over plain http:// on a phone, where
// crypto.subtle does not exist, and one code path everywhere is the one the tests exercise.
function checkSha256(bytes, expected, name) {
  if (!expected) return;
  if (EdgenstSha256.hex(bytes) !== expected) {
    throw new Error(`the downloaded ${name} does not match its sha256 (corrupt or replaced)`);
  }
}

class Runner {
  constructor(module, artifact) {
    this.module = module;
    this.artifact = artifact;
    this.loaded = new Set();
  }

  methodFor(size, kind = "forward") {
    const name = `${kind}_${size}`;
    if (!this.loaded.has(name)) {
      try {
        this.module.loadMethod(name);
      } catch (err) {
        throw new Error(`${this.artifact.file}: method ${name} failed to load in the browser (${errorText(err)})`);
      }
      this.loaded.add(name);
    }
    return name;
  }

  // chw: Float32Array of 3*H*W in [0, 1]; weights: Float32Array of S; strength: a number;
  // vector: null or Float32Array of D, mixed in by vectorWeight.
  run(size, chw, weights, strength, vector = null, vectorWeight = 1) {
    const [h, w] = size.split("x").map(Number);
    const method = this.methodFor(size, vector ? "vector" : "forward");
    const T = et.Tensor;
    const inputs = [T.fromArray([1, 3, h, w], chw), T.fromArray([1, weights.length], weights),
      T.fromArray([1, 1], [strength])];
    if (vector) inputs.push(T.fromArray([1, vector.length], vector), T.fromArray([1, 1], [vectorWeight]));
    let outputs = [];
    try {
      const t0 = performance.now();
      outputs = this.module.execute(method, inputs);
      const ms = performance.now() - t0;
      return { out: new Float32Array(outputs[0].data), ms };  // a copy: the view dies with the tensor
    } finally {
      inputs.forEach((t) => t.delete());
      outputs.forEach((t) => t.delete());
    }
  }
}

// Downloads the runtime and the .pte, checks both and opens the program; throws an Error whose
// message is one sentence for the page.
async function load(info, size) {
  const od = info.on_device, artifact = info.artifact, hashes = od.sha256 || {};
  const t0 = performance.now();
  let wasm;
  try {
    importScripts(od.runtime);
  } catch (err) {
    throw new Error(`the WebAssembly runtime did not load (${errorText(err)})`);
  }
  wasm = await download(od.runtime_dir + "edgenst_et.wasm", "the WebAssembly runtime");
  checkSha256(wasm, hashes["edgenst_et.wasm"], "WebAssembly runtime edgenst_et.wasm");
  try {
    et = await createExecuTorch({ wasmBinary: wasm, locateFile: (path) => od.runtime_dir + path });
  } catch (err) {
    throw new Error(`the WebAssembly runtime did not start (${errorText(err)})`);
  }
  const t1 = performance.now();
  const bytes = await download(od.model, `the model ${artifact.file}`);
  const t2 = performance.now();
  checkHeader(bytes, artifact.file);
  checkSha256(bytes, artifact.sha256, artifact.file);
  let module;
  try {
    module = et.Module.load(bytes);
    const methods = module.getMethods();
    if (!methods.includes(`forward_${size}`)) {
      throw new Error(`it has no forward_${size} method (found: ${methods.join(", ") || "none"})`);
    }
  } catch (err) {
    if (module) module.delete();
    throw new Error(`${artifact.file} failed to load in the WebAssembly runtime: ${errorText(err)}`);
  }
  const t3 = performance.now();
  runner = new Runner(module, artifact);
  runner.methodFor(size);
  const t4 = performance.now();
  return { runtime: t1 - t0, model: t2 - t1, program: t3 - t2, method: t4 - t3, total: t4 - t0 };
}

// demo_app/frames.py's margin_for and letterbox geometry.
function geometry(srcW, srcH, H, W) {
  const m = Math.max(2, Math.floor(Math.min(H, W) / 32));
  const scale = Math.min((H - 2 * m) / srcH, (W - 2 * m) / srcW);
  const nh = Math.max(1, Math.round(srcH * scale)), nw = Math.max(1, Math.round(srcW * scale));
  return { top: Math.floor((H - nh) / 2), left: Math.floor((W - nw) / 2), height: nh, width: nw };
}

function reflect(i, n) {  // repeated mirror padding, as frames._mirror_pad does
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  i = ((i % period) + period) % period;
  return i < n ? i : period - i;
}

let scratch = null;

// bitmap: an ImageBitmap -> { chw, box } at H x W.
function letterbox(bitmap, H, W) {
  const box = geometry(bitmap.width, bitmap.height, H, W);
  if (!scratch) scratch = new OffscreenCanvas(1, 1);
  scratch.width = box.width;
  scratch.height = box.height;
  const ctx = scratch.getContext("2d", { willReadFrequently: true });
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(bitmap, 0, 0, box.width, box.height);
  const rgba = ctx.getImageData(0, 0, box.width, box.height).data;
  const chw = new Float32Array(3 * H * W), plane = H * W;
  const cols = new Int32Array(W);
  for (let x = 0; x < W; x++) cols[x] = reflect(x - box.left, box.width);
  for (let y = 0; y < H; y++) {
    const row = reflect(y - box.top, box.height) * box.width;
    for (let x = 0; x < W; x++) {
      const p = (row + cols[x]) * 4, o = y * W + x;
      chw[o] = rgba[p] / 255;
      chw[plane + o] = rgba[p + 1] / 255;
      chw[2 * plane + o] = rgba[p + 2] / 255;
    }
  }
  return { chw, box };
}

// The program's 1x3xHxW output, cropped to box, as RGBA bytes.
function toPixels(out, H, W, box) {
  const d = new Uint8ClampedArray(4 * box.width * box.height), plane = H * W;
  let i = 0;
  for (let y = box.top; y < box.top + box.height; y++) {
    for (let x = box.left; x < box.left + box.width; x++, i += 4) {
      const o = y * W + x;
      d[i] = Math.round(Math.min(1, Math.max(0, out[o])) * 255);
      d[i + 1] = Math.round(Math.min(1, Math.max(0, out[plane + o])) * 255);
      d[i + 2] = Math.round(Math.min(1, Math.max(0, out[2 * plane + o])) * 255);
      d[i + 3] = 255;
    }
  }
  return d;
}

function stylize(msg) {
  const [h, w] = msg.size.split("x").map(Number);
  let chw, box;
  try {
    ({ chw, box } = letterbox(msg.bitmap, h, w));
  } finally {
    msg.bitmap.close();
  }
  const { out, ms } = runner.run(msg.size, chw, msg.weights, msg.strength, msg.vector, msg.vectorWeight);
  const pixels = toPixels(out, h, w, box);
  return [{ type: "stylized", pixels: pixels.buffer, width: box.width, height: box.height, ms }, [pixels.buffer]];
}

try {
  importScripts("/static/sha256.js");
} catch (err) {
  // reported on the first "load": EdgenstSha256 stays undefined
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  try {
    let reply, transfer = [];
    if (msg.type === "load") {
      if (typeof EdgenstSha256 === "undefined") throw new Error("the page's sha256.js did not load");
      reply = { type: "loaded", timings: await load(msg.info, msg.size) };
    } else if (!runner) {
      throw new Error("the model is not loaded");
    } else if (msg.type === "stylize") {
      [reply, transfer] = stylize(msg);
    } else if (msg.type === "run") {
      const { out, ms } = runner.run(msg.size, msg.chw, msg.weights, msg.strength, msg.vector, msg.vectorWeight);
      reply = { type: "ran", out: out.buffer, ms };
      transfer = [out.buffer];
    } else {
      throw new Error(`unknown request ${msg.type}`);
    }
    self.postMessage({ ...reply, id: msg.id }, transfer);
  } catch (err) {
    if (msg.bitmap) msg.bitmap.close();
    self.postMessage({ type: "error", id: msg.id, message: errorText(err) });
  }
};
