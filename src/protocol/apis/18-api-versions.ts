/**
 * ApiVersions (key 18), v0-3. Lists exactly the APIs and version ranges the registry implements. The response
 * header is always header v0 (no tagged-field byte, even for v3); the server special-cases that, and answers an
 * unsupported ApiVersions version with a v0-format body carrying error 35 and the full list.
 */
import { arr, f } from '../codec/schema';
import { defineApi } from './api';

export interface ApiVersionsResponse {
  errorCode: number;
  apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[];
  throttleTimeMs: number;
}

/** Filled in by the registry (avoids an import cycle). */
export const advertised: { apiKey: number; minVersion: number; maxVersion: number }[] = [];

export const apiVersions = defineApi<
  { clientSoftwareName: string; clientSoftwareVersion: string },
  ApiVersionsResponse
>({
  apiKey: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 3,
  request: [f('clientSoftwareName', 'string', '3+'), f('clientSoftwareVersion', 'string', '3+')],
  response: [
    f('errorCode', 'int16'),
    arr('apiKeys', [f('apiKey', 'int16'), f('minVersion', 'int16'), f('maxVersion', 'int16')]),
    f('throttleTimeMs', 'int32', '1+'),
  ],
  handle() {
    return { errorCode: 0, apiKeys: advertised, throttleTimeMs: 0 };
  },
});
