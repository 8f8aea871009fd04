package dev.portcullis.dataplane.auth;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;

/**
 * The request to decide about, and what the proxy already knows of it.
 *
 * @param request    the client's request (paused: its body is not read while the decision is pending)
 * @param hostHeader the Host the client asked for
 * @param target     the normalised path and the query: what the route matched and the upstream gets
 * @param client     the client's address, or null
 * @param http       the event loop's HTTP/1.1 client, for sub-requests to an auth service
 */
public record AuthRequest(HttpServerRequest request, String hostHeader, String target, String client,
    HttpClient http) {}
