package dev.portcullis.translator;

import dev.portcullis.model.RouteTable;
import dev.portcullis.translator.status.StatusReport;

/** The route table to serve, and what happened to every object on the way there. */
public record TranslationResult(RouteTable table, StatusReport status) {}
