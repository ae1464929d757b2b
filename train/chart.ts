/**
 * Renders a vega-lite spec to `<name>.svg`, and to `<name>.png` with resvg (no browser, no canvas
 * package: both install from the npm registry with their binaries).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

export async function writeChart(spec: object, dir: string, name: string): Promise<string[]> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  const { spec: compiled } = vl.compile(spec as never);
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const svgPath = path.join(dir, `${name}.svg`);
  await fs.writeFile(svgPath, svg);
  try {
    const { Resvg } = await import('@resvg/resvg-js');
    const pngPath = path.join(dir, `${name}.png`);
    await fs.writeFile(
      pngPath,
      new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 1.5 } }).render().asPng(),
    );
    return [svgPath, pngPath];
  } catch (e) {
    // The SVG is the figure; the PNG is a convenience that needs resvg's native binary.
    console.warn(`${name}.png not written (${(e as Error).message}); ${name}.svg has the same figure`);
    return [svgPath];
  }
}
