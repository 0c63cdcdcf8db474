#!/usr/bin/python3
"""A second, independent RTSP server for tests: GStreamer's gst-rtsp-server serving an H.264 test
stream (640x360, 15 fps, keyframe every 15 frames), so the ioc-map server can be tested against
an RTSP implementation other than camsim.

Usage: tools/gst-rtsp-server.py [PORT] [MOUNT_PATH] [--address ADDR]
  PORT        default 8654; 0 picks a free port
  MOUNT_PATH  default /cam-gst
Prints "listening rtsp://ADDR:PORT/MOUNT_PATH" on stdout once ready; stops on SIGINT/SIGTERM.

Needs Debian's /usr/bin/python3 with: python3-gi gir1.2-gst-rtsp-server-1.0
gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly (x264enc).
"""

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

PIPELINE = (
    "( videotestsrc is-live=true pattern=smpte "
    "! video/x-raw,width=640,height=360,framerate=15/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 threads=1 "
    "! video/x-h264,profile=constrained-baseline "
    # config-interval=-1: SPS/PPS before every IDR, so clients that join mid-stream can decode
    "! rtph264pay name=pay0 pt=96 config-interval=-1 )"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", nargs="?", type=int, default=8654)
    parser.add_argument("path", nargs="?", default="/cam-gst")
    parser.add_argument("--address", default="127.0.0.1")
    args = parser.parse_args()
    path = args.path if args.path.startswith("/") else "/" + args.path

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(PIPELINE)
    # one encoder for all clients, like a camera
    factory.set_shared(True)
    server.get_mount_points().add_factory(path, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on {args.address}:{args.port}", file=sys.stderr)
        return 1

    loop = GLib.MainLoop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"listening rtsp://{args.address}:{server.get_bound_port()}{path}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
