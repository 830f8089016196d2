// Request bodies over 1 MB are refused with 413 before anything reads them fully.
import type { MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import { ApiError } from "../api-error";

export const MAX_BODY_BYTES = 1024 * 1024;

export function bodyLimit(): MiddlewareHandler {
  return honoBodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `The request body is larger than ${MAX_BODY_BYTES} bytes.`, { max_bytes: MAX_BODY_BYTES });
    },
  });
}
