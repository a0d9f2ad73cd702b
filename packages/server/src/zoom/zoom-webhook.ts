import { ApiError } from '../http/problem.ts';
import { recordingCompletedPayload, urlValidationPayload, zoomWebhookBody } from './zoom-payloads.ts';
import {
  signatureHash,
  urlValidationAnswer,
  verifyZoomRequest,
  ZOOM_TIMESTAMP_TOLERANCE_SECONDS,
} from './zoom-signature.ts';
import type { ZoomService } from './zoom.service.ts';

export interface ZoomWebhookRequest {
  tenantId: string;
  signature: string | undefined;
  timestamp: string | undefined;
  rawBody: string;
}

/**
 * One request to a tenant's Zoom webhook endpoint: refused unless signed with the tenant's secret
 * token within the timestamp tolerance and never seen before; then the URL validation challenge
 * is answered, or a completed recording imported. Other events are acknowledged and ignored.
 */
export async function receiveZoomWebhook(zoom: ZoomService, req: ZoomWebhookRequest, nowMs = Date.now()) {
  const secret = await zoom.webhookSecret(req.tenantId);
  // Unknown tenant and forged signature look the same to the sender.
  const verdict = secret
    ? verifyZoomRequest(
        secret,
        { signature: req.signature, timestamp: req.timestamp },
        req.rawBody,
        nowMs / 1000,
      )
    : 'bad_signature';
  if (verdict === 'bad_signature')
    throw new ApiError('zoom_signature_invalid', 'the x-zm-signature does not match');
  if (verdict === 'stale_timestamp') {
    throw new ApiError('zoom_signature_invalid', 'the x-zm-request-timestamp is too far from now');
  }
  if (
    !(await zoom.acceptOnce(
      req.tenantId,
      signatureHash(req.signature ?? ''),
      ZOOM_TIMESTAMP_TOLERANCE_SECONDS * 1000,
    ))
  ) {
    throw new ApiError('zoom_replayed', 'this signed request was received before');
  }
  let json: unknown;
  try {
    json = JSON.parse(req.rawBody);
  } catch {
    throw new ApiError('invalid_request', 'the body is not JSON');
  }
  const body = zoomWebhookBody.safeParse(json);
  if (!body.success) throw new ApiError('invalid_request', 'the body is not a Zoom event');
  const event = body.data.event;
  if (event === 'endpoint.url_validation') {
    const payload = urlValidationPayload.safeParse(body.data.payload);
    if (!payload.success) throw new ApiError('invalid_request', 'plainToken is missing');
    return { event, result: 'validated', body: urlValidationAnswer(secret ?? '', payload.data.plainToken) };
  }
  if (event === 'recording.completed') {
    const payload = recordingCompletedPayload.safeParse(body.data.payload);
    if (!payload.success || !body.data.download_token) {
      throw new ApiError('invalid_request', 'the recording or its download_token is missing');
    }
    const outcome = await zoom.recordingCompleted(
      req.tenantId,
      payload.data.object,
      body.data.download_token,
    );
    return { event, result: outcome.outcome, body: outcome };
  }
  return { event, result: 'ignored', body: { ignored: event } };
}
