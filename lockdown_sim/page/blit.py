"""Fast repeated rendering of a figure whose frame rarely changes (blitting, as matplotlib's animations do).

A day's map or curves change only a few artists (markers, lines, titles, legend counts); the axes, ticks, colour
bar and land do not. The frame is rendered once into a raster; each day restores it and draws only the changing
("animated") artists on top, then encodes the PNG. A change to the frame (new axis limits) must call
`invalidate()`. This cuts a day's drawing several-fold against a full `savefig`.

The figure stays an ordinary matplotlib figure: `savefig` still draws everything.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image


class Blitter:
    """PNG frames of `fig`, redrawing only `animated` artists over a cached background."""

    def __init__(self, fig, animated: list):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.animated = list(animated)
        self.background = None

    def invalidate(self) -> None:
        """The frame changed (e.g. axis limits): render it again on the next frame."""
        self.background = None

    def render(self) -> None:
        """Bring the canvas up to date: background (from cache, or drawn anew), then the animated artists."""
        if self.background is None:
            for artist in self.animated:  # left out of the full draw ...
                artist.set_animated(True)
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
            for artist in self.animated:  # ... and an ordinary figure again afterwards (savefig draws them)
                artist.set_animated(False)
        else:
            self.canvas.restore_region(self.background)
        renderer = self.canvas.get_renderer()
        for artist in self.animated:
            if artist.get_visible():
                artist.draw(renderer)

    def png(self) -> bytes:
        """The current frame as PNG bytes (RGB: the figure background is opaque)."""
        self.render()
        width, height = self.canvas.get_width_height(physical=True)
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PNG", compress_level=3)
        return out.getvalue()
