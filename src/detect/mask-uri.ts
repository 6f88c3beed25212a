/**
 * Masking of request targets for evidence: values of credential-like query
 * parameters become `***`, JWT-shaped values `eyJ***`, long opaque tokens keep
 * 3 characters; the result is cut to 200 characters (`…` appended).
 */
const SECRET_PARAM_RE = /^(?:password|passwd|pwd|pass|secret|client_secret|access_token|id_token|refresh_token|api_?key|api-key|apitoken|api_token|token|auth|auth_token|session|sessionid|sid|jwt|key|private_key|code|signature|sig)$/i;
const JWT_RE = /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const MAX = 200;

export function maskUri(uri: string): string {
  let out = uri.replace(JWT_RE, 'eyJ***');
  const q = out.indexOf('?');
  if (q >= 0) {
    const parts = out.slice(q + 1).split('&').map((part) => {
      const eq = part.indexOf('=');
      if (eq < 0) return part;
      const name = part.slice(0, eq);
      let decoded = name;
      try { decoded = decodeURIComponent(name); } catch { /* keep */ }
      return SECRET_PARAM_RE.test(decoded) ? `${name}=***` : part;
    });
    out = `${out.slice(0, q)}?${parts.join('&')}`;
  }
  return out.length > MAX ? `${out.slice(0, MAX)}…` : out;
}
