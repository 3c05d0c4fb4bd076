// Typed views of JSON response bodies, which supertest and fetch type as `any`.

/** The JSON error answer of every endpoint. */
export interface ErrorBody {
  error: { code: string; message: string; problems?: string[] };
}

/** The parsed JSON body as the shape the test expects; the test's assertions check it. */
export function bodyOf<T>(res: { body: unknown }): T {
  return res.body as T;
}

/** The `error` object of a JSON error answer. */
export function errorOf(res: { body: unknown }): ErrorBody["error"] {
  return bodyOf<ErrorBody>(res).error;
}
