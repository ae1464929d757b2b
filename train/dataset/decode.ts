/**
 * Decoding with sharp (libvips): one image's header, and one image to `size` x `size` x `channels`
 * bytes. Every image is opened with limitInputPixels, so a header claiming enormous dimensions is
 * refused before any pixel is decoded, and with sharp's default failOn 'warning', so a truncated or
 * damaged file is an error rather than an image with a grey tail.
 */
import sharp, { type Metadata, type Sharp } from 'sharp';
import { MAX_SOURCE_IMAGE_PIXELS } from '../../runtime/limits.ts';
import type { ImageHeader, Shape } from './shape.ts';

/** Thrown for an image that cannot be used; its message is the reason shown in the skip summary. */
export class ImageError extends Error {}

function open(bytes: Uint8Array): Sharp {
  return sharp(bytes, { limitInputPixels: MAX_SOURCE_IMAGE_PIXELS });
}

function headerOf(m: Metadata): ImageHeader {
  if (!m.width || !m.height) throw new ImageError('no image dimensions in its header');
  const channels = m.channels ?? 3;
  const alpha = m.hasAlpha === true;
  return { width: m.width, height: m.height, colour: channels - (alpha ? 1 : 0) === 1 ? 1 : 3, alpha };
}

/** The header of one image, or an ImageError saying why it cannot be read. */
export async function probeImage(bytes: Uint8Array): Promise<ImageHeader> {
  return headerOf(await open(bytes).metadata());
}

/**
 * One image as raw HWC bytes: upright (EXIF orientation), alpha composited onto black, resized so its
 * shorter side is `size` and the centre cropped (Lanczos 3, sharp's default), then gray or sRGB.
 */
export async function decodeImage(
  bytes: Uint8Array,
  shape: Pick<Shape, 'size' | 'channels'>,
): Promise<{ data: Buffer; header: ImageHeader }> {
  const { size, channels } = shape;
  const img = open(bytes);
  const h = headerOf(await img.metadata());
  let p = img.autoOrient();
  if (h.alpha) p = p.flatten({ background: '#000000' });
  if (h.width !== size || h.height !== size) p = p.resize(size, size, { fit: 'cover', position: 'centre' });
  p = p.toColourspace(channels === 1 ? 'b-w' : 'srgb');
  const { data, info } = await p.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.width !== size || info.height !== size || info.channels !== channels)
    throw new ImageError(`decoded to ${info.width}x${info.height}x${info.channels}, not ${size}x${size}x${channels}`);
  return { data, header: h };
}

/** Raw gray or RGB images (IDX) converted to another size or channel count, one at a time. */
export async function convertRaw(
  pixels: Uint8Array,
  from: { size: number; channels: number },
  to: Pick<Shape, 'size' | 'channels'>,
): Promise<Buffer> {
  const raw = { width: from.size, height: from.size, channels: from.channels as 1 | 3 };
  let p = sharp(pixels, { raw });
  if (from.size !== to.size) p = p.resize(to.size, to.size, { fit: 'cover', position: 'centre' });
  p = p.toColourspace(to.channels === 1 ? 'b-w' : 'srgb');
  return p.raw({ depth: 'uchar' }).toBuffer();
}

/** Why an image could not be used, in a few words: sharp's and the file system's messages made readable. */
export function skipReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'EACCES' || err?.code === 'EPERM')
    return 'cannot read it: permission denied (check its permissions)';
  if (err?.code === 'ENOENT') return 'it disappeared while being read';
  const msg = String(err?.message ?? e);
  if (/exceeds pixel limit/.test(msg)) {
    return (
      `its header claims more than ${MAX_SOURCE_IMAGE_PIXELS.toLocaleString('en-US')} pixels ` +
      `(the per-image limit): refused before decoding`
    );
  }
  if (/unsupported image format/.test(msg)) return 'not an image sharp can read (unknown format)';
  return msg.replace(/\s+/g, ' ').trim();
}
