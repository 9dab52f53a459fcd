"""Video: files and folders of frames (``files``), a student on every frame (``stylize``), and how
stable the result is over time (``temporal_metrics``).

The three modules are one concern, streaming frames, so they sit together; nothing outside this
package reads frames any other way. The names of ``files`` are re-exported here because
``edgenst.video`` was that module before the package existed (benchmarks/ import them from it).
"""

from edgenst.video.files import (
    VIDEO_EXTENSIONS,
    Frame,
    FrameWriter,
    VideoInfo,
    frame_to_tensor,
    is_video_file,
    open_frames,
    probe,
    tensor_to_frame,
)

__all__ = ["VIDEO_EXTENSIONS", "Frame", "FrameWriter", "VideoInfo", "frame_to_tensor", "is_video_file",
           "open_frames", "probe", "tensor_to_frame"]
