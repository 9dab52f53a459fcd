// On-device mode's engine: the ExecuTorch WebAssembly runtime (demo_app/web_runtime/) running the
// same int8 .pte the server has, in this browser. One job: turn pictures into stylized pixels here.
// app.js decides the mode and draws; this file loads the runtime and the model, fits a picture to an
// exported size the way the server does (demo_app/frames.py: letterbox with mirrored edges, then crop
// back), and feeds the program's three inputs as demo_app/engine.py does (image 1x3xHxW in [0, 1],
// style weights 1xS, strength 1x1).
"use strict";

const EdgenstOnDevice = (() => {
  // i8x16.relaxed_swizzle on two splats: validates only where relaxed SIMD is supported, which
  // XNNPACK's wasm kernels in this runtime need (a browser without it would reject the whole module).
  const RELAXED_SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10,
    15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11]);

  function support() {
    if (typeof WebAssembly !== "object" || typeof WebAssembly.validate !== "function") {
      return { ok: false, reason: "this browser has no WebAssembly" };
    }
    try {
      if (!WebAssembly.validate(RELAXED_SIMD_PROBE)) {
        return { ok: false, reason: "this browser's WebAssembly has no relaxed SIMD, which the runtime needs" };
      }
    } catch (err) {
      return { ok: false, reason: `WebAssembly feature check failed (${err})` };
    }
    return { ok: true, reason: "" };
  }

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = () => reject(new Error(`could not load ${src}`));
      document.head.append(s);
    });
  }

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function errorText(err) {
    const text = (err && err.message) || String(err);
    return text.split("\n")[0];
  }

  // The program's header, checked before the runtime sees it (as edgenst.runtime does): a wrong or
  // truncated download gets a sentence, not a runtime error code.
  function checkHeader(bytes, name) {
    const ident = String.fromCharCode(...bytes.subarray(4, 8));
    if (bytes.length < 16 || ident !== "ET12") {
      throw new Error(`${name} is not an ExecuTorch program (bad header: corrupt download or another format)`);
    }
  }

  class Runner {
    constructor(et, module, artifact, timings) {
      this.et = et;
      this.module = module;
      this.artifact = artifact;
      this.timings = timings;  // ms: runtime, model download, program load, first method load
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

    // chw: Float32Array of 3*H*W in [0, 1]; weights: Float32Array of S; strength: a number.
    // vector (optional): Float32Array of D, an uploaded painting's style vector, blended with the
    // weights' styles by vectorWeight; it runs the program's vector_<H>x<W> method instead.
    run(size, chw, weights, strength, vector = null, vectorWeight = 1) {
      const [h, w] = size.split("x").map(Number);
      const method = this.methodFor(size, vector ? "vector" : "forward");
      const T = this.et.Tensor;
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

  // Downloads the runtime and the .pte, checks the .pte and opens it; throws an Error whose message
  // is one sentence for the page.
  async function load(info, size) {
    const od = info.on_device, artifact = info.artifact;
    const t0 = performance.now();
    try {
      await loadScript(od.runtime);
    } catch (err) {
      throw new Error(`the WebAssembly runtime did not load (${errorText(err)})`);
    }
    let et;
    try {
      et = await createExecuTorch({ locateFile: (path) => od.runtime_dir + path });
    } catch (err) {
      throw new Error(`the WebAssembly runtime did not start (${errorText(err)})`);
    }
    const t1 = performance.now();
    let bytes;
    try {
      const res = await fetch(od.model);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      throw new Error(`the model ${artifact.file} did not download (${errorText(err)})`);
    }
    const t2 = performance.now();
    checkHeader(bytes, artifact.file);
    if (crypto.subtle) {  // only in secure contexts (https://, localhost); the server checked it at start
      const digest = hex(await crypto.subtle.digest("SHA-256", bytes));
      if (digest !== artifact.sha256) {
        throw new Error(`the downloaded ${artifact.file} does not match its sha256 (corrupt or replaced)`);
      }
    }
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
    const runner = new Runner(et, module, artifact, {});
    runner.methodFor(size);
    const t4 = performance.now();
    runner.timings = { runtime: t1 - t0, model: t2 - t1, program: t3 - t2, method: t4 - t3, total: t4 - t0 };
    return runner;
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

  const scratch = document.createElement("canvas");

  // source: a video, image bitmap or canvas of srcW x srcH -> { chw, box } at H x W.
  function letterbox(source, srcW, srcH, H, W) {
    const box = geometry(srcW, srcH, H, W);
    scratch.width = box.width;
    scratch.height = box.height;
    const ctx = scratch.getContext("2d", { willReadFrequently: true });
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(source, 0, 0, box.width, box.height);
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

  // The program's 1x3xHxW output, cropped to box, as RGBA pixels.
  function toImageData(out, H, W, box) {
    const img = new ImageData(box.width, box.height), d = img.data, plane = H * W;
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
    return img;
  }

  // demo_app/settings.py's StyleSettings.style_weights: one-hot, or two styles mixed by blend.
  function styleWeights(styles, s) {
    const w = new Float32Array(styles.length);
    w[styles.indexOf(s.style)] += 1 - (s.style2 ? s.blend : 0);
    if (s.style2) w[styles.indexOf(s.style2)] += s.blend;
    return w;
  }

  return { support, load, letterbox, toImageData, styleWeights, geometry };
})();
