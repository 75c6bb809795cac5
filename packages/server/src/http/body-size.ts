import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "../errors.js";
import type { AppEnv } from "./env.js";

/** The largest request body accepted: a bundle with many prices and entitlements fits easily. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads the request body once, refusing one larger than `maxBytes` (413 PAYLOAD_TOO_LARGE) as soon
 * as it is known to be (a declared Content-Length over the limit is refused before any byte is
 * read), and hands the text to everything after it: the card-data guard, the idempotency hash and
 * the JSON validators all read it from Hono's body cache (`c.req.text()` / `c.req.json()`).
 *
 * On @hono/node-server the bytes come straight from the Node request (`c.env.incoming`): going
 * through `c.req.raw` would build a WHATWG Request, an AbortSignal and a web stream around the
 * socket for every request with a body, which costs more than the rest of a small request.
 * Elsewhere (`app.request` in tests, other runtimes) the Request's own stream is read.
 * GET and HEAD are passed straight on: their bodies are never read.
 */
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

export function readBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  const tooLarge = () =>
    new ApiError("PAYLOAD_TOO_LARGE", `Request bodies are limited to ${Math.floor(maxBytes / 1024)} KiB`);
  const read: MiddlewareHandler<AppEnv> = async (c, next) => {
    const incoming = nodeRequest(c);
    let text: string;
    if (incoming) {
      const declared = incoming.headers["content-length"];
      if (
        declared !== undefined &&
        !incoming.headers["transfer-encoding"] &&
        Number.parseInt(declared, 10) > maxBytes
      ) {
        throw tooLarge();
      }
      const bytes = await readIncoming(incoming, maxBytes);
      if (bytes === undefined) throw tooLarge();
      text = utf8(bytes);
      if (bytes.length === 0) {
        // An empty body is no body: a route with an optional JSON body asks `c.req.raw.body`
        // whether there is one, which on the lightweight request would build a whole Request
        // around the socket to find out. (Shadowed on the request itself: a per-request object
        // made the prototype of another would cost more than it saves.)
        Object.defineProperty(c.req.raw, "body", { value: null });
      } else if (!incoming.headers["content-type"]) {
        // Rare (a body without a content type): give anything that looks at the raw request the
        // bytes it no longer finds on the socket. A route with a JSON body refuses it (Unsupported
        // Media Type) after looking there.
        c.req.raw = new Request(c.req.raw, { body: new Uint8Array(bytes) });
      }
    } else {
      const read = await readStream(c.req.raw, maxBytes);
      if (read === undefined) throw tooLarge();
      text = read;
    }
    // `curl -X POST -H 'content-type: application/json'` with no data means "no fields", not broken
    // JSON: an optional body is then empty, a required one names its missing fields.
    if (text === "" && JSON_TYPE.test(c.req.header("content-type") ?? "")) text = "{}";
    // Hono reads `bodyCache` before the request itself; text() and json() are served from it.
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
    return next();
  };
  return (c, next) => {
    const method = c.req.method;
    return method === "GET" || method === "HEAD" ? next() : read(c, next);
  };
}

function nodeRequest(c: Context<AppEnv>): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  // Only a request nobody has started reading (nothing should have, before this middleware).
  return incoming && typeof incoming.on === "function" && !incoming.readableDidRead ? incoming : undefined;
}

/** The body's bytes, or undefined once more than `max` bytes arrived (the rest is left unread). */
async function readIncoming(incoming: IncomingMessage, max: number): Promise<Buffer | undefined> {
  // This runs while Node's parser is still inside the packet that carried the headers; after one
  // microtask it has parsed the rest of that packet. A small body usually came with the headers:
  // then the message is complete and its bytes wait in the stream's buffer, read here at once.
  await undefined;
  if (incoming.complete) {
    const chunks: Buffer[] = [];
    let size = 0;
    for (let chunk = incoming.read() as Buffer | null; chunk !== null; chunk = incoming.read() as Buffer | null) {
      size += chunk.length;
      if (size > max) return undefined;
      chunks.push(chunk);
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  }
  if (incoming.readableEnded) return Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        done();
        // @hono/node-server drains (or closes) what is left once the 413 has been sent.
        incoming.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const onClose = () => {
      done();
      reject(new Error("The client closed the connection before sending the whole body"));
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
    incoming.on("close", onClose);
  });
}

/** Like `Request.text()`, with the size limit: UTF-8, a leading byte order mark dropped. */
function utf8(bytes: Buffer): string {
  const text = bytes.toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

async function readStream(request: Request, max: number): Promise<string | undefined> {
  const body = request.body;
  if (!body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return utf8(Buffer.concat(chunks, size));
}
