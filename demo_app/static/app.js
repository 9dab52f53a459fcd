// The demo page, in one of two modes, both running the same int8 .pte in the ExecuTorch runtime:
// - on this device (the default where the browser can run it): a Web Worker (ondevice.js, ondevice-worker.js)
//   downloads the .pte and the ExecuTorch WebAssembly runtime and stylizes every camera frame and
//   photo in this browser, one frame at a time, off the page's thread; nothing but those downloads
//   touches the server;
// - on the server (fallback, or ?run=server): camera frames go over a WebSocket, one at a time (the
//   next frame is sent when the previous result arrives, so nothing queues); photos go up with
//   fetch() and come back as a PNG to download.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  info: null, ws: null, stream: null, running: false, inFlight: false, sentAt: 0,
  arrivals: [], frames: 0, photo: null, photoTimer: 0,
  mode: "pending", runner: null,  // "device" (runner: ondevice.js's WorkerRunner) or "server"
  painting: null,  // an uploaded painting: { id, name, vector: Float32Array } (server: /api/painting)
};
const capture = document.createElement("canvas");

function setStatus(el, text, isError = false) {
  el.textContent = text;
  el.classList.toggle("error", isError);
}

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

function bytesText(n) {
  return n >= 2 ** 20 ? `${+(n / 2 ** 20).toFixed(1)} MiB` : `${+(n / 1024).toFixed(1)} KiB`;
}

function settings() {
  return {
    style: $("style").value,
    style2: $("style2").value || null,
    blend: Number($("blend").value),
    strength: Number($("strength").value),
    size: $("size").value,
    profile: $("profile").value,
    painting: state.painting ? state.painting.id : null,
    painting_weight: Number($("painting-weight").value),
  };
}

// The painting's vector for an on-device run (null: the styles alone).
function deviceVector() {
  return state.painting ? state.painting.vector : null;
}

function styleLabel(s) {
  const styles = `${s.style}${s.style2 ? " + " + s.style2 : ""}`;
  return state.painting ? `${state.painting.name} (${s.painting_weight.toFixed(2)}) + ${styles}` : styles;
}

// Upload a painting: the server predicts its style vector (both modes); on this device the page
// feeds that vector to the program's vector method, on the server frames name it by id.
async function uploadPainting() {
  const file = $("painting").files[0], status = $("painting-status"), limit = state.info.limits.max_upload_bytes;
  if (!file) return;
  if (file.size > limit) {
    setStatus(status, `That file is ${bytesText(file.size)}; the limit is ${bytesText(limit)}.`, true);
    return;
  }
  setStatus(status, `Reading the style of ${file.name}…`);
  let res, body;
  try {
    res = await fetch(state.info.paintings.upload, {
      method: "POST", body: file, headers: { "Content-Type": file.type || "application/octet-stream" },
    });
    body = await res.json();
  } catch (err) {
    setStatus(status, `Upload failed: ${err}`, true);
    return;
  }
  if (!res.ok) {
    setStatus(status, `Not used: ${body.error || res.statusText}`, true);
    return;
  }
  state.painting = { id: body.painting, name: file.name, vector: Float32Array.from(body.vector) };
  $("painting-weight").disabled = false;
  $("painting-clear").disabled = false;
  setStatus(status, `Painting with ${file.name} (a style vector of ${body.length} values).`);
  changed();
  if (state.photo) stylizePhoto();
}

function clearPainting() {
  state.painting = null;
  $("painting").value = "";
  $("painting-weight").disabled = true;
  $("painting-clear").disabled = true;
  setStatus($("painting-status"), "");
  changed();
  if (state.photo) stylizePhoto();
}

async function init() {
  let info;
  try {
    const res = await fetch("/api/info");
    info = await res.json();
  } catch (err) {
    setStatus($("artifact"), `Cannot reach the demo server: ${err}`, true);
    return;
  }
  state.info = info;

  for (const s of info.styles) {
    $("style").append(el("option", { value: s.name }, s.name));
    $("style2").append(el("option", { value: s.name }, s.name));
    if (s.thumbnail) {
      const b = el("button", { type: "button", title: s.name, "aria-pressed": "false", "data-style": s.name });
      b.append(el("img", { src: s.thumbnail, alt: s.name }));
      b.addEventListener("click", () => { $("style").value = s.name; changed(); });
      $("thumbs").append(b);
    }
  }
  for (const size of info.sizes) $("size").append(el("option", { value: size }, size.replace("x", " × ")));
  for (const p of info.profiles) $("profile").append(el("option", { value: p.name }, p.label));
  const d = info.defaults;
  $("style").value = d.style;
  $("size").value = d.size;
  $("profile").value = d.profile;
  $("resize-note").textContent = `Other frame shapes: ${info.resize}.`;
  const l = info.limits;
  $("limits").textContent = `Limits: ${l.max_sessions} live session(s) at once, photos up to `
    + `${bytesText(l.max_upload_bytes)} and ${(l.max_pixels / 1e6).toFixed(0)} megapixels; `
    + `a live session that sends nothing for ${l.idle_timeout_s} s is closed.`;

  for (const id of ["style", "style2", "blend", "strength", "size", "profile", "painting-weight"]) {
    $(id).addEventListener(["blend", "strength", "painting-weight"].includes(id) ? "input" : "change", changed);
  }
  if (info.paintings && info.paintings.available) {
    $("painting-box").hidden = false;
    $("painting").addEventListener("change", uploadPainting);
    $("painting-clear").addEventListener("click", clearPainting);
  }
  $("start").disabled = true;
  $("start").addEventListener("click", startCamera);
  $("stop").addEventListener("click", () => stopCamera("Stopped."));
  $("photo").addEventListener("change", () => {
    state.photo = $("photo").files[0] || null;
    if (state.photo) stylizePhoto();
  });
  changed();
  await chooseMode(info);
  $("start").disabled = false;
  if (state.photo) stylizePhoto();
}

// -- where the model runs ----------------------------------------------------------------------------

async function chooseMode(info) {
  const asked = new URLSearchParams(location.search).get("run");
  let why;
  if (asked === "server") {
    why = "asked for with ?run=server";
  } else if (!info.on_device || !info.on_device.available) {
    why = "this demo was installed without the WebAssembly runtime";
  } else {
    const support = EdgenstOnDevice.support();
    if (!support.ok) {
      why = `${support.reason}`;
    } else {
      setWhere("pending", "Loading the model into this browser…");
      try {
        state.runner = await EdgenstOnDevice.load(info, $("size").value);
      } catch (err) {
        why = `on-device mode failed: ${err.message}`;
        state.mode = "server";
        showArtifact();
        setWhere("server", `Runs on the server: ${why}. Frames and photos go to the server instead.`, true);
        return;
      }
      state.mode = "device";
      const t = state.runner.timings;
      showArtifact();
      setWhere("device", `Runs on this device: the int8 .pte runs in this browser, in a Web Worker (ExecuTorch `
        + `WebAssembly runtime, XNNPACK, 1 thread); frames and photos never leave it. First load `
        + `${t.total.toFixed(0)} ms (runtime ${t.runtime.toFixed(0)} ms, model download ${t.model.toFixed(0)} ms, `
        + `program ${(t.program + t.method).toFixed(0)} ms).`);
      $("where").dataset.firstLoadMs = t.total.toFixed(1);
      $("where").dataset.engine = "worker";
      return;
    }
  }
  state.mode = "server";
  showArtifact();
  setWhere("server", `Runs on the server: ${why}. Frames and photos go to the server.`,
    asked !== "server");
}

function setWhere(mode, text, isError = false) {
  const where = $("where");
  where.dataset.mode = mode;
  setStatus(where, text, isError);
  $("output-caption").textContent = mode === "device" ? "Stylized on this device (int8 .pte, ExecuTorch WebAssembly)"
    : "Stylized on the server (int8 .pte, ExecuTorch)";
  $("latency-label").textContent = mode === "device" ? "Per frame" : "Round trip";
}

function showArtifact() {
  const a = state.info.artifact, rt = state.info.runtime;
  const line = $("artifact");
  const runtime = state.mode === "device" ? `in the ${rt.name} WebAssembly runtime on this device (${rt.backend})`
    : `in the ${rt.name} ${rt.version} runtime on the server (${rt.backend})`;
  line.textContent = "";
  line.append("Running ", el("b", {}, a.file), ` · ${a.precision} · sha256 ${a.sha256.slice(0, 12)}… · `
    + `${(a.bytes / 1024).toFixed(1)} KiB · exported from ${a.source} · ${runtime}`);
  line.dataset.file = a.file;
  line.dataset.precision = a.precision;
  line.dataset.sha256 = a.sha256;
  line.dataset.mode = state.mode;
}

function changed() {
  const s = settings();
  $("blend").disabled = !s.style2;
  $("blend-value").textContent = s.blend.toFixed(2);
  $("strength-value").textContent = s.strength.toFixed(2);
  $("painting-weight-value").textContent = s.painting_weight.toFixed(2);
  for (const b of $("thumbs").children) b.setAttribute("aria-pressed", String(b.dataset.style === s.style));
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify({ type: "config", ...s }));
  if (state.photo && state.mode !== "pending") {
    clearTimeout(state.photoTimer);
    state.photoTimer = setTimeout(stylizePhoto, 250);
  }
}

// -- live camera ---------------------------------------------------------------------------------

async function startCamera() {
  const status = $("status");
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    setStatus(status, "This browser allows the camera only on https:// or localhost: start the demo with "
      + "--https (or open it on this machine). Photo upload works here.", true);
    return;
  }
  $("start").disabled = true;
  try {
    state.stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" }, audio: false,
    });
  } catch (err) {
    $("start").disabled = false;
    setStatus(status, `No camera: ${err.name}: ${err.message}`, true);
    return;
  }
  const video = $("camera");
  video.srcObject = state.stream;
  await video.play().catch(() => {});
  if (state.mode === "device") {
    state.running = true;
    $("stop").disabled = false;
    $("threads").textContent = "1";
    setStatus(status, "Streaming on this device.");
    requestAnimationFrame(deviceFrame);
    return;
  }
  setStatus(status, "Connecting…");
  openSocket();
}

// -- live camera, on this device ---------------------------------------------------------------------

// One frame at a time: the camera's picture goes to the worker as an ImageBitmap (transferred, not
// copied); the next one is taken when the stylized pixels are back, so nothing queues.
async function deviceFrame() {
  const video = $("camera");
  if (!state.running || state.mode !== "device" || state.inFlight) return;
  if (!video.videoWidth) { setTimeout(() => requestAnimationFrame(deviceFrame), 50); return; }
  const s = settings();
  const t0 = performance.now();
  let result;
  state.inFlight = true;
  try {
    const bitmap = await createImageBitmap(video);
    const weights = EdgenstOnDevice.styleWeights(state.info.styles.map((x) => x.name), s);
    result = await state.runner.stylize(bitmap, s.size, weights, s.strength, deviceVector(), s.painting_weight);
  } catch (err) {
    state.inFlight = false;
    if (state.running) stopCamera(`Frame not stylized: ${err.message}`, true);
    return;
  }
  state.inFlight = false;
  if (!state.running) return;
  const out = $("output"), img = result.image;
  if (out.width !== img.width || out.height !== img.height) { out.width = img.width; out.height = img.height; }
  out.getContext("2d").putImageData(img, 0, 0);
  const now = performance.now();
  state.frames += 1;
  showFrameStats(now, now - t0, result.ms, { style: s.style, size: s.size, seq: String(state.frames),
    out: `${img.width}x${img.height}` });
  requestAnimationFrame(deviceFrame);
}

function showFrameStats(now, frameMs, inferMs, data) {
  state.arrivals.push(now);
  while (state.arrivals.length && now - state.arrivals[0] > 2000) state.arrivals.shift();
  const span = state.arrivals.length > 1 ? (now - state.arrivals[0]) / 1000 : 0;
  const fps = span > 0 ? (state.arrivals.length - 1) / span : 0;
  $("fps").textContent = fps.toFixed(1);
  $("latency").textContent = `${frameMs.toFixed(0)} ms`;
  $("infer").textContent = `${inferMs.toFixed(1)} ms`;
  $("frames").textContent = String(state.frames);
  Object.assign($("stats").dataset, { ...data, fps: fps.toFixed(2), mode: state.mode });
}

// -- live camera, on the server ----------------------------------------------------------------------

function openSocket() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  ws.binaryType = "arraybuffer";
  state.ws = ws;
  ws.onmessage = (ev) => (typeof ev.data === "string" ? onControl(JSON.parse(ev.data)) : onFrame(ev.data));
  ws.onclose = (ev) => {
    if (state.ws !== ws) return;
    const why = { 1013: "", 1001: "", 1009: "A frame was larger than the server accepts." }[ev.code];
    stopCamera(why === undefined ? `Connection closed (code ${ev.code}).` : why, why !== "");
  };
}

function onControl(msg) {
  const status = $("status");
  if (msg.type === "hello") {
    state.running = true;
    $("stop").disabled = false;
    state.ws.send(JSON.stringify({ type: "config", ...settings() }));
    setStatus(status, "Streaming.");
    nextFrame();
  } else if (msg.type === "config") {
    $("stats").dataset.configured = msg.settings.style;
  } else if (msg.type === "busy") {
    setStatus(status, `Busy: ${msg.message}`, true);
  } else if (msg.type === "closing") {
    setStatus(status, msg.message, true);
  } else if (msg.type === "error") {
    setStatus(status, msg.message, true);
    if (msg.frame) { state.inFlight = false; nextFrame(); }
  }
}

function onFrame(buf) {
  const now = performance.now();
  const n = new DataView(buf).getUint32(0);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
  const blob = new Blob([new Uint8Array(buf, 4 + n)], { type: "image/jpeg" });
  state.inFlight = false;
  state.frames += 1;
  $("threads").textContent = String(header.threads);
  showFrameStats(now, now - state.sentAt, header.infer_ms, { style: header.style, size: header.size,
    seq: String(header.seq), out: `${header.width}x${header.height}` });
  createImageBitmap(blob).then((bmp) => {
    const out = $("output");
    if (out.width !== bmp.width || out.height !== bmp.height) { out.width = bmp.width; out.height = bmp.height; }
    out.getContext("2d").drawImage(bmp, 0, 0);
    bmp.close();
  }).catch(() => {});
  nextFrame();
}

function nextFrame() {
  requestAnimationFrame(sendFrame);
}

function sendFrame() {
  const ws = state.ws, video = $("camera");
  if (!state.running || state.inFlight || !ws || ws.readyState !== WebSocket.OPEN) return;
  if (!video.videoWidth) { setTimeout(nextFrame, 50); return; }
  const [h, w] = $("size").value.split("x").map(Number);
  const scale = Math.min(1, h / video.videoHeight, w / video.videoWidth);  // about the exported resolution
  capture.width = Math.max(1, Math.round(video.videoWidth * scale));
  capture.height = Math.max(1, Math.round(video.videoHeight * scale));
  capture.getContext("2d").drawImage(video, 0, 0, capture.width, capture.height);
  state.inFlight = true;
  capture.toBlob((blob) => {
    if (!blob || !state.running || ws.readyState !== WebSocket.OPEN) { state.inFlight = false; return; }
    state.sentAt = performance.now();
    ws.send(blob);
  }, "image/jpeg", 0.8);
}

function stopCamera(message, isError = false) {
  state.running = false;
  state.inFlight = false;
  const ws = state.ws;
  state.ws = null;
  if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
  if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
  state.stream = null;
  $("camera").srcObject = null;
  $("start").disabled = false;
  $("stop").disabled = true;
  state.arrivals = [];
  $("fps").textContent = "0.0";
  if (message) setStatus($("status"), message, isError);
}

// -- photos ----------------------------------------------------------------------------------------

function stylizePhoto() {
  return state.mode === "device" ? devicePhoto() : uploadPhoto();
}

function showResult(blob, info) {
  const url = URL.createObjectURL(blob);
  const img = $("result"), old = img.src;
  img.src = url;
  if (old.startsWith("blob:")) URL.revokeObjectURL(old);
  const s = settings();
  $("download").href = url;
  $("download").download = `stylized-${s.style}${s.style2 ? "-" + s.style2 : ""}.png`;
  $("result-box").hidden = false;
  return img.decode().catch(() => {}).then(() => {
    $("result-info").textContent = `${img.naturalWidth}×${img.naturalHeight}, ${info}`;
  });
}

async function devicePhoto() {
  const file = state.photo, status = $("photo-status"), maxPixels = state.info.limits.max_pixels;
  if (!file) return;
  const s = settings();
  setStatus(status, `Stylizing ${file.name} on this device…`);
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch (err) {
    setStatus(status, "Not stylized: not a usable image (this browser cannot decode it)", true);
    return;
  }
  let blob, ms;
  try {
    if (bitmap.width * bitmap.height > maxPixels) {
      throw new Error(`the image is ${bitmap.width}x${bitmap.height}, above the limit of `
        + `${(maxPixels / 1e6).toFixed(1)} megapixels`);
    }
    const weights = EdgenstOnDevice.styleWeights(state.info.styles.map((x) => x.name), s);
    const run = await state.runner.stylize(bitmap, s.size, weights, s.strength,  // hands the bitmap over
      deviceVector(), s.painting_weight);
    ms = run.ms;
    const image = run.image;
    const canvas = document.createElement("canvas");
    canvas.width = image.width;
    canvas.height = image.height;
    canvas.getContext("2d").putImageData(image, 0, 0);
    blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  } catch (err) {
    setStatus(status, `Not stylized: ${err.message}`, true);
    return;
  } finally {
    bitmap.close();
  }
  await showResult(blob, `model ${ms.toFixed(1)} ms on this device`);
  setStatus(status, `${file.name}: stylized with ${styleLabel(s)} on this device.`);
}

async function uploadPhoto() {
  const file = state.photo, status = $("photo-status"), limit = state.info.limits.max_upload_bytes;
  if (!file) return;
  if (file.size > limit) {
    setStatus(status, `That file is ${bytesText(file.size)}; the limit is ${bytesText(limit)}.`, true);
    return;
  }
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(settings())) if (v !== null) params.set(k, String(v));
  setStatus(status, `Stylizing ${file.name}…`);
  let res;
  try {
    res = await fetch(`/api/stylize?${params}`, {
      method: "POST", body: file, headers: { "Content-Type": file.type || "application/octet-stream" },
    });
  } catch (err) {
    setStatus(status, `Upload failed: ${err}`, true);
    return;
  }
  if (!res.ok) {
    let message = res.statusText;
    try { message = (await res.json()).error; } catch (_) { /* not JSON */ }
    setStatus(status, `Not stylized: ${message}`, true);
    return;
  }
  const s = settings();
  await showResult(await res.blob(), `model ${res.headers.get("X-Infer-Ms")} ms`);
  setStatus(status, `${file.name}: stylized with ${styleLabel(s)}.`);
}

// For tests and benchmarks: run the loaded program (in the worker) on a given 1x3xHxW image (values in
// [0, 1]); resolves to { out, ms }, ms being the method's execute alone, timed in the worker.
window.edgenstDemo = {
  get mode() { return state.mode; },
  async run(size, chw, weights, strength, vector = null, vectorWeight = 1) {
    if (!state.runner) throw new Error("on-device mode is not active");
    const { out, ms } = await state.runner.run(size, Float32Array.from(chw), Float32Array.from(weights), strength,
      vector ? Float32Array.from(vector) : null, vectorWeight);
    return { out: Array.from(out), ms };
  },
};

init();
