// On-device mode, the page's side: can this browser run the ExecuTorch WebAssembly runtime, and a
// handle on the Web Worker (ondevice-worker.js) that runs it. The page's thread never touches the
// runtime: it posts pictures to the worker (ImageBitmaps, transferred) and draws the pixels that come
// back (transferred buffers), so the controls, the camera view and the counters stay responsive
// however long a frame takes.
"use strict";

const EdgenstOnDevice = (() => {
  // i8x16.relaxed_swizzle on two splats: validates only where relaxed SIMD is supported, which
  // XNNPACK's wasm kernels in this runtime need (a browser without it would reject the whole module).
  const RELAXED_SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10,
    15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11]);
  const WORKER = "/static/ondevice-worker.js";

  function support() {
    if (typeof WebAssembly !== "object" || typeof WebAssembly.validate !== "function") {
      return { ok: false, reason: "this browser has no WebAssembly" };
    }
    if (typeof Worker !== "function" || typeof OffscreenCanvas !== "function"
        || typeof createImageBitmap !== "function") {
      return { ok: false, reason: "this browser lacks Web Workers with OffscreenCanvas, which on-device mode uses" };
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

  // The worker behind promises: one request, one reply with the same id.
  class WorkerRunner {
    constructor(worker) {
      this.worker = worker;
      this.pending = new Map();
      this.nextId = 1;
      this.timings = null;  // ms: runtime, model download, program load, first method load, total
      worker.onmessage = (ev) => this.settle(ev.data);
      worker.onerror = (ev) => {
        ev.preventDefault();
        this.failAll(`the on-device worker failed (${ev.message || "it did not start"})`);
      };
      worker.onmessageerror = () => this.failAll("the on-device worker sent a message the page cannot read");
    }

    settle(msg) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.type === "error") p.reject(new Error(msg.message));
      else p.resolve(msg);
    }

    failAll(message) {
      for (const p of this.pending.values()) p.reject(new Error(message));
      this.pending.clear();
    }

    request(msg, transfer = []) {
      const id = this.nextId++;
      return new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.worker.postMessage({ ...msg, id }, transfer);
      });
    }

    // bitmap: an ImageBitmap (handed over: closed by the worker) -> { image: ImageData, ms }.
    // vector (optional): an uploaded painting's style vector (Float32Array of D), blended with the
    // weights' styles by vectorWeight; the worker then runs the program's vector_<H>x<W> method.
    async stylize(bitmap, size, weights, strength, vector = null, vectorWeight = 1) {
      const r = await this.request({ type: "stylize", bitmap, size, weights, strength, vector, vectorWeight },
        [bitmap]);
      return { image: new ImageData(new Uint8ClampedArray(r.pixels), r.width, r.height), ms: r.ms };
    }

    // chw: Float32Array of 3*H*W in [0, 1] (handed over) -> { out: Float32Array, ms }.
    async run(size, chw, weights, strength, vector = null, vectorWeight = 1) {
      const r = await this.request({ type: "run", size, chw, weights, strength, vector, vectorWeight }, [chw.buffer]);
      return { out: new Float32Array(r.out), ms: r.ms };
    }

    terminate() {
      this.worker.terminate();
      this.failAll("the on-device worker was stopped");
    }
  }

  // Starts the worker and has it download the runtime and the .pte, check both and open the program;
  // throws an Error whose message is one sentence for the page.
  async function load(info, size) {
    let worker;
    try {
      worker = new Worker(WORKER);
    } catch (err) {
      throw new Error(`the on-device worker did not start (${(err && err.message) || err})`);
    }
    const runner = new WorkerRunner(worker);
    try {
      runner.timings = (await runner.request({ type: "load", info, size })).timings;
    } catch (err) {
      runner.terminate();
      throw err;
    }
    return runner;
  }

  // demo_app/settings.py's StyleSettings.style_weights: one-hot, or two styles mixed by blend.
  function styleWeights(styles, s) {
    const w = new Float32Array(styles.length);
    w[styles.indexOf(s.style)] += 1 - (s.style2 ? s.blend : 0);
    if (s.style2) w[styles.indexOf(s.style2)] += s.blend;
    return w;
  }

  return { support, load, styleWeights };
})();
