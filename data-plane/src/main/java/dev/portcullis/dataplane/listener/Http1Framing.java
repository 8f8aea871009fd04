package dev.portcullis.dataplane.listener;

/**
 * A strict reader of HTTP/1.1 request framing (RFC 9112): the parser of {@link
 * StrictRequestDecoder}, fed every byte a client sends. Netty's own decoder is lenient where a
 * backend may not be: it unfolds obsolete line folding, accepts several spaces in the request
 * line, skips leading whitespace, drops Content-Length beside chunked, and reads a chunk size
 * only up to the first character that is not a hex digit. Any of those lets the proxy and the
 * server behind it see different request boundaries. This reader follows the bytes with the
 * grammar alone, and stops at the first byte that breaks it: a request is then refused whole
 * instead of being repaired.
 *
 * <p>While it reads a head (or a chunked body's trailer section) it notes where the method, the
 * target and each field's name and value lie, as offsets from the first byte of the section, so
 * that the decoder builds the request from those bytes without reading them again. The decoder
 * keeps a section's bytes in its buffer until the section ends. {@link #scan} also stops where
 * the decoder has something to pass on: a head that ended, body bytes, the start of a trailer
 * section, the end of a chunked body ({@link #event()}).
 *
 * <p>What it accepts: a request line of a token, one space, visible ASCII, one space, and
 * {@code HTTP/1.1} or {@code HTTP/1.0}; header lines of a token, a colon and a value of visible
 * characters, spaces and tabs; CRLF line endings only; at most one Content-Length of digits, or
 * one Transfer-Encoding that is exactly {@code chunked} (in HTTP/1.1, without Content-Length);
 * chunk sizes of at most 15 hex digits, with extensions, CRLF after each chunk's data; trailers
 * as headers. Up to four empty lines before a request line are skipped (RFC 9112 section 2.2).
 * Limits: the target's length (414), the number of header fields and their bytes (431, and the
 * same for trailers), a method of at most {@value #MAX_METHOD_LENGTH} bytes and chunk extensions
 * of at most {@value #MAX_CHUNK_EXTENSION} (400). So the bytes a head keeps buffered are bounded.
 *
 * <p>Not thread-safe: one per connection, on its event loop.
 */
final class Http1Framing {

  /** Where the next request head begins: the head timer starts at its first byte. */
  interface Events {
    void headStarted();

    void headEnded();
  }

  /** Why {@link #scan} stopped before the end of its bytes (or NONE: it read them all, or failed). */
  enum Event {
    NONE,
    /** A request head ended: its fields are noted; a body follows when {@link #bodyFollows()}. */
    HEAD,
    /** Body bytes start here: at most {@link #remaining()} of them; say how many were taken with {@link #skip}. */
    DATA,
    /** A chunked body's last chunk was read: its trailer section starts here. */
    TRAILERS,
    /** A chunked body ended with its trailer section (noted as fields, if any). */
    END
  }

  /** The bytes of a Content-Length or Transfer-Encoding value that are looked at; a longer Content-Length is invalid. */
  private static final int MAX_FRAMING_VALUE = 64;
  /** The longest method this reader takes (Netty's decoder allowed about this much beside the target). */
  static final int MAX_METHOD_LENGTH = 1024;
  /** The longest chunk extension this reader takes (Netty's decoder took a chunk line of up to 4 KiB). */
  static final int MAX_CHUNK_EXTENSION = 4096;

  private enum State {
    HEAD_START, HEAD_START_LF, METHOD, TARGET, VERSION, REQUEST_LINE_LF, LINE_START, HEADER_NAME, HEADER_VALUE,
    HEADER_LF, HEAD_END_LF, BODY, CHUNK_SIZE, CHUNK_EXT, CHUNK_SIZE_LF, CHUNK_DATA, CHUNK_DATA_CR, CHUNK_DATA_LF,
    TRAILER_START, TRAILER_NAME, TRAILER_VALUE, TRAILER_LF, TRAILER_END_LF, FAILED
  }

  private static final boolean[] TCHAR = new boolean[256];
  private static final byte[] HTTP_1_1 = {'H', 'T', 'T', 'P', '/', '1', '.', '1'};
  private static final byte[] HTTP_1_0 = {'H', 'T', 'T', 'P', '/', '1', '.', '0'};

  static {
    for (int c = '0'; c <= '9'; c++) {
      TCHAR[c] = true;
    }
    for (int c = 'a'; c <= 'z'; c++) {
      TCHAR[c] = true;
      TCHAR[c - 32] = true;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TCHAR[c] = true;
    }
  }

  private final int maxHeaders;
  private final int maxUriLength;
  private final int maxHeaderSize;
  private final Events events;
  private State state = State.HEAD_START;
  private Event event = Event.NONE;
  /**
   * Where the bytes of the section being read begin (the buffer index of its first byte), and the
   * index of the byte {@link #process} reads: offsets are noted relative to the first.
   */
  private int base;
  private int cursor;
  /** The request line's method and target, as offsets from the head's first byte. */
  private int methodStart;
  private int methodEnd;
  private int targetStart;
  private int targetEnd;
  /** Where the header (or trailer) lines begin, as an offset: their size is counted from there. */
  private int fieldsStart;
  /** For each field: the offsets of its name's first byte, of its colon, and of the CR ending its line. */
  private int[] spans = new int[3 * 16];
  private int fieldCount;
  private int extension;
  private RequestViolation violation;
  private boolean inHead;
  private int emptyLines;
  private int length;
  private byte[] version = new byte[8];
  private boolean http10;
  private int headers;
  /** The header being read, when it is one that frames the body: 'l' Content-Length, 't' Transfer-Encoding. */
  private char framing;
  /**
   * The bytes being scanned, and where they are: a heap array (with its offset), native memory,
   * or neither (then read through the buffer). Read by {@link #at}.
   */
  private io.netty.buffer.ByteBuf in;
  private byte[] array;
  private int arrayOffset;
  private long address;
  private int contentLengths;
  private long contentLength;
  private boolean badContentLength;
  private int transferEncodings;
  private boolean chunkedOnly;
  private long remaining;
  private int digits;
  private boolean significant;
  /** True once a body byte was read: a violation then cuts a request that has already started. */
  private boolean inBody;

  Http1Framing(int maxHeaders, int maxUriLength, int maxHeaderSize, Events events) {
    this.maxHeaders = maxHeaders;
    this.maxUriLength = maxUriLength;
    this.maxHeaderSize = maxHeaderSize;
    this.events = events;
  }

  /** Why the last {@link #scan} stopped. */
  Event event() {
    return event;
  }

  /**
   * True inside a head or a trailer section: its bytes must stay where they are until it ends,
   * since its fields are noted as offsets into them.
   */
  boolean holding() {
    return (state.compareTo(State.METHOD) >= 0 && state.compareTo(State.HEAD_END_LF) <= 0)
        || (state.compareTo(State.TRAILER_START) >= 0 && state.compareTo(State.TRAILER_END_LF) <= 0);
  }

  /** After a head: true when a body follows it (Content-Length above zero, or chunked). */
  boolean bodyFollows() {
    return state == State.BODY || state == State.CHUNK_SIZE;
  }

  /** In a body: how many more bytes of it (or of the current chunk's data) there are. */
  long remaining() {
    return remaining;
  }

  int methodStart() {
    return methodStart;
  }

  int methodEnd() {
    return methodEnd;
  }

  int targetStart() {
    return targetStart;
  }

  int targetEnd() {
    return targetEnd;
  }

  /** How many fields the section just read holds. */
  int fields() {
    return fieldCount;
  }

  /** Offset of field {@code i}'s name. */
  int nameStart(int i) {
    return spans[3 * i];
  }

  /** Offset of field {@code i}'s colon: its name ends there, its value (with optional white space) follows. */
  int colon(int i) {
    return spans[3 * i + 1];
  }

  /** Offset of the CR that ends field {@code i}'s line. */
  int lineEnd(int i) {
    return spans[3 * i + 2];
  }

  /** The violation that stopped the reader, or null. */
  RequestViolation violation() {
    return violation;
  }

  /** True when the request being read said HTTP/1.0. */
  boolean http10() {
    return http10;
  }

  /** True when the violation lies in a body whose head the decoder has already passed on. */
  boolean violationInBody() {
    return inBody;
  }

  /**
   * Reads one byte through the state machine: false when it stopped (a violation, an event, or
   * the start of a run that {@link #scan} reads in bulk), true to go on with the next byte.
   */
  private boolean process(byte b) {
    int c = b & 0xff;
    int at = cursor++;
    switch (state) {
      case HEAD_START -> {
        if (!inHead) {
          inHead = true;
          events.headStarted();
        }
        if (c == '\r') {
          if (++emptyLines > 4) {
            return fail(400, "too many empty lines before the request line");
          }
          state = State.HEAD_START_LF;
        } else if (TCHAR[c]) {
          resetHead();
          methodStart = at - base;
          state = State.METHOD;
        } else {
          return fail(400, "the request line does not start with a method");
        }
      }
      case HEAD_START_LF -> {
        if (c != '\n') {
          return fail(400, "bare CR");
        }
        state = State.HEAD_START;
      }
      case METHOD -> {
        if (c == ' ') {
          methodEnd = at - base;
          targetStart = methodEnd + 1;
          state = State.TARGET;
          length = 0;
          return false; // the target is read in bulk (see scan())
        } else if (!TCHAR[c]) {
          return fail(400, "invalid character in the method");
        } else if (at - base - methodStart >= MAX_METHOD_LENGTH) {
          return fail(400, "method longer than " + MAX_METHOD_LENGTH + " bytes");
        }
      }
      case TARGET -> {
        if (c == ' ') {
          if (length == 0) {
            return fail(400, "empty request target");
          }
          targetEnd = at - base;
          state = State.VERSION;
          length = 0;
        } else if (c <= 0x20 || c >= 0x7f) {
          return fail(400, "invalid character in the request target");
        } else if (++length > maxUriLength) {
          return fail(414, "request target longer than " + maxUriLength + " bytes");
        }
      }
      case VERSION -> {
        if (c == '\r') {
          if (length != 8) {
            return fail(400, "invalid HTTP version");
          }
          if (java.util.Arrays.equals(version, HTTP_1_0)) {
            http10 = true;
          } else if (!java.util.Arrays.equals(version, HTTP_1_1)) {
            return fail(505, "HTTP version not supported");
          }
          state = State.REQUEST_LINE_LF;
        } else if (length >= 8 || !(c == '/' || c == '.' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) {
          return fail(400, "invalid HTTP version");
        } else {
          version[length++] = (byte) c;
        }
      }
      case REQUEST_LINE_LF, HEADER_LF -> {
        if (c != '\n') {
          return fail(400, "bare CR");
        }
        if (state == State.HEADER_LF) {
          endHeader();
        } else {
          fieldsStart = at + 1 - base;
        }
        state = State.LINE_START;
      }
      case LINE_START -> {
        if (c == '\r') {
          state = State.HEAD_END_LF;
        } else if (c == ' ' || c == '\t') {
          return fail(400, "obsolete line folding");
        } else if (TCHAR[c]) {
          if (++headers > maxHeaders) {
            return fail(431, "more than " + maxHeaders + " header fields");
          }
          startField(at);
          state = State.HEADER_NAME; // read in bulk (see scan())
          return false;
        } else {
          return fail(400, "invalid character in a header name");
        }
      }
      case HEADER_NAME -> {
        // scan() read the name's token characters; this is the byte after them.
        if (c != ':') {
          return fail(400, "invalid character in a header name");
        }
        int name = spans[3 * fieldCount];
        spans[3 * fieldCount + 1] = at - base;
        framing = isName(base + name, at - base - name, CONTENT_LENGTH) ? 'l'
            : isName(base + name, at - base - name, TRANSFER_ENCODING) ? 't' : 0;
        state = State.HEADER_VALUE;
        return false; // the value is read in bulk (see scan()), and a framing one at its line's end
      }
      case HEADER_VALUE, TRAILER_VALUE -> {
        // scan() read the value's bytes; this is the byte after them.
        if (c != '\r') {
          return fail(400, "invalid character in a header value");
        }
        spans[3 * fieldCount++ + 2] = at - base;
        state = state == State.HEADER_VALUE ? State.HEADER_LF : State.TRAILER_LF;
      }
      case HEAD_END_LF -> {
        if (c != '\n') {
          return fail(400, "bare CR");
        }
        if (endHead()) {
          event = Event.HEAD;
        }
        return false;
      }
      case BODY, CHUNK_DATA -> throw new IllegalStateException("body bytes are taken by skip()");
      case CHUNK_SIZE -> {
        inBody = true;
        int d = Character.digit(c, 16);
        if (d >= 0) {
          digits++;
          if (d > 0 || significant) {
            significant = true;
            if (++length > 15) {
              return fail(400, "chunk size too large");
            }
          }
          remaining = remaining * 16 + d;
        } else if (digits > 0 && c == ';') {
          extension = 0;
          state = State.CHUNK_EXT;
        } else if (digits > 0 && c == '\r') {
          state = State.CHUNK_SIZE_LF;
        } else {
          return fail(400, "invalid chunk size");
        }
      }
      case CHUNK_EXT -> {
        if (c == '\r') {
          state = State.CHUNK_SIZE_LF;
        } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
          return fail(400, "invalid character in a chunk extension");
        } else if (++extension > MAX_CHUNK_EXTENSION) {
          return fail(400, "chunk extension longer than " + MAX_CHUNK_EXTENSION + " bytes");
        }
      }
      case CHUNK_SIZE_LF -> {
        if (c != '\n') {
          return fail(400, "bare CR");
        }
        if (remaining == 0) {
          state = State.TRAILER_START;
          // The trailer section is read as a section of its own: its offsets count from its first byte.
          fieldCount = 0;
          fieldsStart = 0;
          headers = 0;
          event = Event.TRAILERS;
        } else {
          state = State.CHUNK_DATA;
          event = Event.DATA;
        }
        return false;
      }
      case CHUNK_DATA_CR -> {
        if (c != '\r') {
          return fail(400, "chunk data longer than its size, or not followed by CRLF");
        }
        state = State.CHUNK_DATA_LF;
      }
      case CHUNK_DATA_LF -> {
        if (c != '\n') {
          return fail(400, "bare CR");
        }
        startChunk();
      }
      case TRAILER_START -> {
        if (c == '\r') {
          state = State.TRAILER_END_LF;
        } else if (TCHAR[c]) {
          if (++headers > maxHeaders) {
            return fail(431, "more than " + maxHeaders + " trailer fields");
          }
          startField(at);
          state = State.TRAILER_NAME; // read in bulk (see scan())
          return false;
        } else {
          return fail(400, "invalid trailer field");
        }
      }
      case TRAILER_NAME -> {
        if (c != ':') {
          return fail(400, "invalid character in a trailer name");
        }
        spans[3 * fieldCount + 1] = at - base;
        framing = 0;
        state = State.TRAILER_VALUE;
        return false; // read in bulk (see scan())
      }
      case TRAILER_LF -> {
        if (c != '\n') {
          return fail(400, "bare CR");
        }
        state = State.TRAILER_START;
      }
      case TRAILER_END_LF -> {
        if (c != '\n') {
          return fail(400, "bare CR");
        }
        nextMessage();
        event = Event.END;
        return false;
      }
      case FAILED -> {
        return false;
      }
    }
    return true;
  }

  private static final byte[] CONTENT_LENGTH = {'c', 'o', 'n', 't', 'e', 'n', 't', '-', 'l', 'e', 'n', 'g', 't', 'h'};
  private static final byte[] TRANSFER_ENCODING = {'t', 'r', 'a', 'n', 's', 'f', 'e', 'r', '-', 'e', 'n', 'c', 'o', 'd',
      'i', 'n', 'g'};

  /**
   * True if the {@code length} bytes at {@code index} are {@code lower} in any case (for a
   * {@code lower} of small letters and dashes). Setting bit 0x20 makes an ASCII capital its small
   * letter, and maps no other token character onto a letter or the dash.
   */
  private boolean isName(int index, int length, byte[] lower) {
    if (length != lower.length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if ((at(index + i) | 0x20) != lower[i]) {
        return false;
      }
    }
    return true;
  }

  /** The byte at {@code index} of the buffer being scanned. */
  private byte at(int index) {
    if (array != null) {
      return array[arrayOffset + index];
    }
    return address != 0 ? io.netty.util.internal.PlatformDependent.getByte(address + index) : in.getByte(index);
  }

  /** Bytes a header value may hold: visible characters (obs-text too), spaces and tabs. */
  private static boolean valueByte(byte b) {
    return b == '\t' || (b >= 0x20 || b < 0) && b != 0x7f;
  }

  /**
   * Reads bytes from {@code i} while they may continue the run the state is in (a target, a
   * field name or value), up to {@code to}: returns the index of the first that may not, or
   * {@code to}. A run of the kinds above is only limited in which bytes it may hold, so it is
   * read in one tight loop over the buffer's memory, not through the state machine.
   */
  private int run(int i, int to) {
    switch (state) {
      case TARGET -> {
        while (i < to) {
          byte b = at(i);
          if (b <= 0x20 || b >= 0x7f) {
            break;
          }
          i++;
        }
      }
      case HEADER_NAME, TRAILER_NAME -> {
        while (i < to && TCHAR[at(i) & 0xff]) {
          i++;
        }
      }
      default -> {
        while (i < to && valueByte(at(i))) {
          i++;
        }
      }
    }
    return i;
  }

  /**
   * Reads bytes {@code from} to {@code to} of {@code in}. Where the grammar only limits which
   * bytes may come (a request target, a header value), runs of them are read in one tight loop
   * rather than going through the state machine one by one; everything else goes through {@link
   * #process}. Body bytes are not read here at all: the scan stops where they start ({@link
   * Event#DATA}), and the caller takes them and says how many with {@link #skip}.
   *
   * @param base the index of the first byte of the section being read (a head, or a trailer
   *             section): fields are noted as offsets from it. Bytes from {@code base} on stay in
   *             the buffer, unchanged, until the section ends; the caller may move them, with
   *             {@code base}, between calls.
   * @return where the scan stopped: the index of the byte that broke the grammar (see {@link
   *         #violation()}), the index after the byte that ended a head, a trailer section or a
   *         chunked body, or the index of the first body byte (see {@link #event()}); -1 when
   *         all of the bytes were read and none of those came
   */
  int scan(io.netty.buffer.ByteBuf in, int from, int to, int base) {
    this.in = in;
    if (in.hasArray()) {
      array = in.array();
      arrayOffset = in.arrayOffset();
    } else {
      array = null;
      address = in.hasMemoryAddress() ? in.memoryAddress() : 0;
    }
    this.base = base;
    event = Event.NONE;
    int i = from;
    while (i < to) {
      int end;
      switch (state) {
        case BODY, CHUNK_DATA -> {
          event = Event.DATA;
          return i;
        }
        case TARGET -> {
          end = run(i, to);
          if (length + (end - i) > maxUriLength) {
            int over = i + (maxUriLength - length);
            fail(414, "request target longer than " + maxUriLength + " bytes");
            return over;
          }
          length += end - i;
        }
        case HEADER_NAME, TRAILER_NAME -> {
          end = run(i, to);
        }
        case HEADER_VALUE, TRAILER_VALUE -> end = run(i, to);
        default -> end = -1;
      }
      if (end < 0) {
        end = bytes(i, to);
        if (end < 0) {
          return -1;
        }
        if (violation != null) {
          return end;
        }
        if (event != Event.NONE) {
          return end + 1;
        }
        // process() stopped on the byte that starts a run.
        i = end + 1;
        continue;
      }
      // A run ended at end (or reached to): its bytes count against the field section's size.
      if (state != State.TARGET && end > base + fieldsStart + maxHeaderSize) {
        int over = base + fieldsStart + maxHeaderSize;
        fail(431, (state == State.HEADER_NAME || state == State.HEADER_VALUE ? "header" : "trailer")
            + " fields longer than " + maxHeaderSize + " bytes");
        return over;
      }
      if (end == to) {
        return -1;
      }
      // The byte that ended the run goes through the state machine.
      cursor = end;
      if (!process(at(end))) {
        if (violation != null) {
          return end;
        }
        if (event != Event.NONE) {
          return end + 1;
        }
        // Otherwise the next byte starts another run.
      }
      i = end + 1;
    }
    return -1;
  }

  /**
   * Feeds bytes from {@code i} to {@link #process} until it returns false: returns the index of
   * the byte it stopped at, or -1 when it took them all.
   */
  private int bytes(int i, int to) {
    cursor = i;
    for (int j = i; j < to; j++) {
      if (!process(at(j))) {
        return j;
      }
    }
    return -1;
  }

  /**
   * Takes {@code n} body bytes, at most {@link #remaining()}.
   *
   * @return true when they ended a Content-Length body (the next request may follow)
   */
  boolean skip(long n) {
    inBody = true;
    remaining -= n;
    if (remaining == 0) {
      if (state == State.BODY) {
        nextMessage();
        return true;
      }
      state = State.CHUNK_DATA_CR;
    }
    return false;
  }

  /** A field line starts at {@code at}: note where, with room for its colon and line end. */
  private void startField(int at) {
    if (3 * fieldCount + 3 > spans.length) {
      spans = java.util.Arrays.copyOf(spans, spans.length * 2);
    }
    spans[3 * fieldCount] = at - base;
  }

  private void resetHead() {
    fieldCount = 0;
    length = 0;
    http10 = false;
    headers = 0;
    contentLengths = 0;
    contentLength = 0;
    badContentLength = false;
    transferEncodings = 0;
    chunkedOnly = false;
    inBody = false;
  }

  /** A header line ended: remember what frames the body, from its value's bytes (still in the buffer). */
  private void endHeader() {
    if (framing == 0) {
      return;
    }
    String v = framingValue();
    if (framing == 'l') {
      contentLengths++;
      if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
        badContentLength = true;
      } else {
        contentLength = Long.parseLong(v);
      }
    } else if (framing == 't') {
      transferEncodings++;
      chunkedOnly = v.equalsIgnoreCase("chunked");
    }
    framing = 0;
  }

  /**
   * The value of the header line just ended, without the white space around it: its first
   * {@value #MAX_FRAMING_VALUE} bytes, one character each. A longer one makes the request's
   * Content-Length invalid.
   */
  private String framingValue() {
    int line = 3 * (fieldCount - 1);
    int from = base + spans[line + 1] + 1;
    int length = spans[line + 2] - spans[line + 1] - 1;
    if (length > MAX_FRAMING_VALUE) {
      badContentLength = true;
      length = MAX_FRAMING_VALUE;
    }
    char[] chars = new char[length];
    for (int i = 0; i < length; i++) {
      chars[i] = (char) (at(from + i) & 0xff);
    }
    return new String(chars).strip();
  }

  private boolean endHead() {
    inHead = false;
    events.headEnded();
    if (transferEncodings > 0) {
      if (http10) {
        return fail(400, "Transfer-Encoding in HTTP/1.0");
      }
      if (contentLengths > 0) {
        return fail(400, "both Content-Length and Transfer-Encoding");
      }
      if (transferEncodings > 1 || !chunkedOnly) {
        return fail(501, "transfer coding not implemented");
      }
      startChunk();
      return true;
    }
    if (contentLengths > 1 || badContentLength) {
      return fail(400, "invalid Content-Length");
    }
    if (contentLength > 0) {
      remaining = contentLength;
      state = State.BODY;
    } else {
      nextMessage();
    }
    return true;
  }

  private void startChunk() {
    remaining = 0;
    digits = 0;
    length = 0;
    significant = false;
    state = State.CHUNK_SIZE;
  }

  private void nextMessage() {
    emptyLines = 0;
    inBody = false;
    state = State.HEAD_START;
  }

  private boolean fail(int status, String reason) {
    violation = new RequestViolation(status, reason);
    state = State.FAILED;
    return false;
  }
}
