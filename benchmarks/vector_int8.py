"""Like-for-like int8 precision of the style-vector path: each table column through forward_256x256 vs
fed as a vector through vector_256x256, both against fp32 eager (calibrated on the built-in photos,
evaluated on two sample photos). Usage: OMP_NUM_THREADS=1 python benchmarks/vector_int8.py fast"""
import sys, time
import torch
from edgenst.export.app_model import Size
from edgenst.export.executorch import export_pte, vector_calibration
from edgenst.export.checks import fit_crop
from edgenst.metrics import psnr
from edgenst.pretrained import resolve_model
from edgenst.quantize import QuantConfig, calibration_inputs
from edgenst.reference_images import DEFAULT_PHOTOS, load_photos
from edgenst.runtime import PteModel
from edgenst.styles import StyleSpace

torch.set_num_threads(1)
model, info = resolve_model(sys.argv[1] if len(sys.argv) > 1 else "fast")
allp = load_photos(DEFAULT_PHOTOS, len(DEFAULT_PHOTOS), max_side=512)
print(len(allp), "photos", flush=True)
from edgenst.samples import sample_photo
cal_photos, photos = allp, [sample_photo("astronaut"), sample_photo("chelsea")]  # calibrate on the built-ins, evaluate on 2 others
q = QuantConfig(calibration_size=128)
calib = calibration_inputs(cal_photos, len(info.styles), q.calibration_size, q.seed)
t = time.time()
rep = export_pte(model, "/tmp/vector_int8_fast.pte", (Size(256, 256),), "int8", calib, q, style_names=list(info.styles), style_vector=True)
print(f"export {time.time()-t:.0f}s, {rep.summary()}, vector methods {rep.vector_methods}", flush=True)
pte = PteModel("/tmp/vector_int8_fast.pte", check_manifest=False)
space = StyleSpace.of(model)
S = space.count
tab, vec = [], []
for p in photos:
    x = fit_crop(p, 256, 256)
    for i in range(S):
        w = torch.eye(S)[i:i+1]; one = torch.ones(1, 1)
        with torch.no_grad():
            ref = model(x, w, one)
        tab.append(psnr(pte.run(x, w, one), ref))
        v = space.column(model, i).values.unsqueeze(0)
        with torch.no_grad():
            ref_v = model.forward_vector(x, torch.full((1, S), 1 / S), one, v, one)
        vec.append(psnr(pte.run_vector(x, torch.full((1, S), 1 / S), one, v, one), ref_v))
print(f"{len(tab)} images: table PSNR mean {sum(tab)/len(tab):.2f} dB (worst {min(tab):.2f}); "
      f"vector PSNR mean {sum(vec)/len(vec):.2f} dB (worst {min(vec):.2f})")
