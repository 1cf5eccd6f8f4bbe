/**
 * RegistryError: every failure of the Schema Registry engine, carrying the HTTP status and the error code that
 * Confluent's REST API returns for it (40401 subject not found, 42201 invalid schema, 409 incompatible, ...), and
 * a message naming the problem. The HTTP server sends `{"error_code": code, "message": message}` with `status`.
 */

export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export const errors = {
  subjectNotFound: (subject: string) => new RegistryError(404, 40401, `Subject '${subject}' not found.`),
  versionNotFound: (version: number | string) => new RegistryError(404, 40402, `Version ${version} not found.`),
  schemaNotFound: (id?: number) =>
    new RegistryError(404, 40403, id === undefined ? 'Schema not found' : `Schema ${id} not found`),
  subjectSoftDeleted: (subject: string) =>
    new RegistryError(404, 40404, `Subject '${subject}' was soft deleted. Set permanent=true to delete permanently`),
  subjectNotSoftDeleted: (subject: string) =>
    new RegistryError(404, 40405, `Subject '${subject}' was not deleted first before being permanently deleted`),
  versionSoftDeleted: (subject: string, version: number) =>
    new RegistryError(
      404,
      40406,
      `Subject '${subject}' Version ${version} was soft deleted. Set permanent=true to delete permanently`,
    ),
  versionNotSoftDeleted: (subject: string, version: number) =>
    new RegistryError(
      404,
      40407,
      `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`,
    ),
  subjectCompatibilityNotConfigured: (subject: string) =>
    new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`),
  subjectModeNotConfigured: (subject: string) =>
    new RegistryError(404, 40409, `Subject '${subject}' does not have subject-level mode configured`),
  incompatible: (subject: string, details: string[]) =>
    new RegistryError(
      409,
      409,
      `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${details.join('; ')}]`,
    ),
  invalidSchema: (message: string) => new RegistryError(422, 42201, message),
  invalidVersion: (version: string) =>
    new RegistryError(
      422,
      42202,
      `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
    ),
  invalidCompatibility: (given: unknown) =>
    new RegistryError(
      422,
      42203,
      `Invalid compatibility level ${JSON.stringify(given)}. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive`,
    ),
  invalidMode: (given: unknown) =>
    new RegistryError(422, 42204, `Invalid mode ${JSON.stringify(given)}. Valid values are READWRITE and READONLY`),
  readOnly: (subject: string | null) =>
    new RegistryError(
      422,
      42205,
      subject === null ? 'The registry is in read-only mode' : `Subject ${subject} is in read-only mode`,
    ),
  referenceExists: (subject: string, version: number, by: number[]) =>
    new RegistryError(
      422,
      42206,
      `One or more references exist to the schema {subject=${subject}, version=${version}}: schema ids ${by.join(', ')} refer to it`,
    ),
  invalidSubject: (subject: string) => new RegistryError(422, 42208, `Invalid subject ${JSON.stringify(subject)}`),
  store: (message: string) => new RegistryError(500, 50001, message),
};
