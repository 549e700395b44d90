#!/usr/bin/env node
/**
 * Launcher for the `telegram-test-api` Bot API emulator used by StaffGuide's end-to-end tests.
 *
 *   node launcher.js --port N [--store-timeout S]
 *
 * `--port 0` lets the OS pick a free port (no race between choosing and binding one). When the
 * server is bound it prints exactly one line, `listening on PORT`, which the Python harness waits for.
 *
 * Why this file exists: the package has no CLI, and as shipped it breaks python-telegram-bot
 * (getMe lacks `is_bot`, sendMessage dates are in milliseconds, callback updates lack
 * `chat_instance`, edits answer `result: null`) and lacks methods the bot uses (setMyCommands,
 * sendChatAction, sendDocument, getFile, ...). We add routes *in front of* the library's own route
 * list (routes installed first win in Express) instead of forking the package.
 *
 * Routes added here (bot side is `/bot<token>/<method>`, client side is a JSON POST to the root):
 *   bot:    getMe, sendMessage, editMessageText, editMessageReplyMarkup, answerCallbackQuery,
 *           setMyCommands, getMyCommands, deleteMyCommands, sendChatAction, setChatMenuButton,
 *           sendDocument (multipart or JSON/form), getFile, GET /file/bot<token>/<file_path>
 *   client: /sendCallback (fills the tapped message from storage), /sendDocument, /sendPhoto,
 *           GET /control/file/<file_id> (bytes of any stored file),
 *           /control/failSendMessage {count}, /control/fail {method, count, error_code?, description?},
 *           /control/block {chat_id, blocked?} (every send to that chat answers 403, as for a user
 *           who blocked the bot or never pressed Start)
 */
'use strict';

const express = require('express');

// The library installs express.json()/urlencoded() with a 100 kB limit before any route, so a
// base64 document posted by a test would be rejected before reaching our route. Raise the limit
// by wrapping the factories before the library calls them (it looks them up at construction time).
const BODY_LIMIT = '50mb';
const originalJson = express.json;
const originalUrlencoded = express.urlencoded;
express.json = (opts = {}) => originalJson({ limit: BODY_LIMIT, ...opts });
express.urlencoded = (opts = {}) => originalUrlencoded({ limit: BODY_LIMIT, ...opts });

const TelegramServer = require('telegram-test-api');
const libraryRoutes = require('telegram-test-api/lib/routes/index');
const { handle } = require('telegram-test-api/lib/routes/bot/utils');

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const args = { port: 9000, storeTimeout: 60 };
  for (let i = 0; i < argv.length; i += 1) {
    const value = argv[i + 1];
    if (argv[i] === '--port') { args.port = Number(value); i += 1; }
    else if (argv[i] === '--store-timeout') { args.storeTimeout = Number(value); i += 1; }
    else { throw new Error(`unknown argument: ${argv[i]}`); }
  }
  if (!Number.isInteger(args.port) || args.port < 0) throw new Error('--port needs an integer');
  if (!(args.storeTimeout > 0)) throw new Error('--store-timeout needs a positive number');
  return args;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The bot's own user. Real bot ids are the token's numeric prefix, so mirror that. */
function botUser(token) {
  const id = Number(String(token).split(':')[0]);
  return {
    id: Number.isSafeInteger(id) && id > 0 ? id : 666,
    is_bot: true,
    first_name: 'StaffGuide Test Bot',
    username: 'StaffGuideTestBot',
    can_join_groups: false,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
  };
}

/** Form and multipart fields arrive as strings; JSON-valued ones (reply_markup, commands, scope)
 * are JSON-encoded by python-telegram-bot. Decode when it looks like JSON, else keep the string. */
function maybeJson(value) {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return value;
  try { return JSON.parse(t); } catch (_e) { return value; }
}

function ok(res, result) { res.json({ ok: true, result }); }

function fail(res, code, description) {
  res.status(code).json({ ok: false, error_code: code, description });
}

/** Minimal multipart/form-data parser (no dependency): enough for python-telegram-bot uploads. */
function parseMultipart(buffer, contentType) {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType || '');
  if (!match) throw new Error('multipart body without boundary');
  const delimiter = Buffer.from(`--${match[1] || match[2]}`);
  const fields = {};
  const files = {};
  let pos = buffer.indexOf(delimiter);
  while (pos !== -1) {
    pos += delimiter.length;
    if (buffer.slice(pos, pos + 2).toString() === '--') break; // closing delimiter
    pos += 2; // CRLF after the delimiter
    const headerEnd = buffer.indexOf('\r\n\r\n', pos);
    if (headerEnd === -1) break;
    const headers = buffer.slice(pos, headerEnd).toString('utf8');
    const next = buffer.indexOf(delimiter, headerEnd + 4);
    if (next === -1) break;
    const body = buffer.slice(headerEnd + 4, next - 2); // drop the CRLF before the delimiter
    const name = /;\s*name="([^"]*)"/i.exec(headers);
    const filenameStar = /filename\*=(?:utf-8|UTF-8)''([^;\r\n]+)/.exec(headers);
    const filename = /;\s*filename="([^"]*)"/i.exec(headers);
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers);
    if (name) {
      const key = decodeURIComponent(name[1]);
      if (filename || filenameStar) {
        files[key] = {
          filename: filenameStar ? decodeURIComponent(filenameStar[1])
            : filename[1].replace(/%22/g, '"'),
          contentType: type ? type[1].trim() : 'application/octet-stream',
          data: body,
        };
      } else {
        fields[key] = body.toString('utf8');
      }
    }
    pos = next;
  }
  return { fields, files };
}

/** Accept multipart (uploads) as well as JSON / urlencoded bodies already parsed by the library. */
const multipart = express.raw({ type: 'multipart/form-data', limit: BODY_LIMIT });
function bodyOf(req) {
  if (Buffer.isBuffer(req.body)) return parseMultipart(req.body, req.headers['content-type']);
  return { fields: { ...(req.query || {}), ...(req.body || {}) }, files: {} };
}

// ---------------------------------------------------------------------------------------------
// State kept beside the library's storage
// ---------------------------------------------------------------------------------------------

/** Files the bot or a user uploaded, by file_id and by file_path, so getFile/download work. */
class FileStore {
  constructor() { this.byId = new Map(); this.byPath = new Map(); this.counter = 0; }

  add(data, fileName, mimeType, folder) {
    this.counter += 1;
    const fileId = `file-${this.counter}`;
    const ext = (/\.[A-Za-z0-9]{1,8}$/.exec(fileName || '') || [''])[0];
    const entry = {
      file_id: fileId,
      file_unique_id: `unique-${this.counter}`,
      file_name: fileName,
      mime_type: mimeType,
      file_size: data.length,
      file_path: `${folder}/file_${this.counter}${ext}`,
      data,
    };
    this.byId.set(fileId, entry);
    this.byPath.set(entry.file_path, entry);
    return entry;
  }
}

// ---------------------------------------------------------------------------------------------
// Routes (each is `(app, server) => void`, the library's own route signature)
// ---------------------------------------------------------------------------------------------

function makeRoutes(state) {
  const { files, faults, commands, blocked } = state;

  /** Fault injection: the next N calls of a bot method answer an error instead of succeeding. */
  const faultInjector = (app) => {
    app.all('/bot:token/:method', (req, res, next) => {
      const chat = Buffer.isBuffer(req.body) ? undefined : String(bodyOf(req).fields.chat_id ?? '');
      if (req.params.method.startsWith('send') && blocked.has(chat)) {
        fail(res, 403, 'Forbidden: bot was blocked by the user');
        return;
      }
      const fault = faults.get(req.params.method);
      if (!fault || fault.count <= 0) { next(); return; }
      fault.count -= 1;
      if (fault.count <= 0) faults.delete(req.params.method);
      fail(res, fault.error_code, fault.description);
    });
  };

  const control = (app) => {
    const setFault = (method, body) => {
      const count = Number(body.count ?? 1);
      const code = Number(body.error_code ?? 502);
      faults.set(method, { count, error_code: code, description: body.description || 'Bad Gateway' });
    };
    app.post('/control/failSendMessage', (req, res) => { setFault('sendMessage', req.body || {}); ok(res, true); });
    app.post('/control/fail', (req, res) => {
      if (!req.body || !req.body.method) { fail(res, 400, 'method is required'); return; }
      setFault(req.body.method, req.body);
      ok(res, true);
    });
    app.post('/control/block', (req, res) => {
      if (!req.body || req.body.chat_id === undefined) { fail(res, 400, 'chat_id is required'); return; }
      if (req.body.blocked === false) blocked.delete(String(req.body.chat_id));
      else blocked.add(String(req.body.chat_id));
      ok(res, true);
    });
    app.get('/control/file/:fileId', (req, res) => {
      const entry = files.byId.get(req.params.fileId);
      if (!entry) { fail(res, 404, 'file not found'); return; }
      res.type(entry.mime_type || 'application/octet-stream').send(entry.data);
    });
  };

  /** Gap 1: python-telegram-bot requires `is_bot` on getMe. */
  const getMe = (app) => {
    handle(app, '/bot:token/getMe', (req, res) => ok(res, botUser(req.params.token)));
  };

  /** Store a bot message in the library's storage (so client /getUpdates returns it) and return a
   * Bot API Message: date in seconds (gap 2), a `from` bot user, a numeric chat id. */
  const storeBotMessage = (server, token, message) => {
    const result = server.addBotMessage(message, token);
    return {
      ...result,
      date: Math.floor(result.date / 1000),
      from: botUser(token),
      chat: { id: Number(message.chat_id), type: 'private', first_name: 'User' },
    };
  };

  const sendMessage = (app, server) => {
    handle(app, '/bot:token/sendMessage', (req, res) => {
      ok(res, storeBotMessage(server, req.params.token, req.body));
    });
  };

  /** The library's edits answer `result: null`, which python-telegram-bot cannot parse into a
   * Message. Answer the edited message, 400 when it does not exist (as Telegram does), and drop
   * the inline keyboard when an editMessageText carries none (also as Telegram does). */
  const edits = (app, server) => {
    const findBotMessage = (body) => server.storage.botMessages.find((u) => (
      String(u.messageId) === String(body.message_id)
      && String(u.message.chat_id) === String(body.chat_id)));
    const editedResult = (token, entry) => ({
      ...entry.message,
      message_id: entry.messageId,
      date: Math.floor(entry.time / 1000),
      edit_date: nowSeconds(),
      from: botUser(token),
      chat: { id: Number(entry.message.chat_id), type: 'private', first_name: 'User' },
    });
    const editRoute = (method, apply) => handle(app, `/bot:token/${method}`, (req, res) => {
      if (req.body.inline_message_id) { ok(res, true); return; }
      const entry = findBotMessage(req.body);
      if (!entry) { fail(res, 400, 'Bad Request: message to edit not found'); return; }
      apply(entry, req.body);
      ok(res, editedResult(req.params.token, entry));
    });
    editRoute('editMessageText', (entry, body) => {
      const keep = { ...entry.message };
      delete keep.reply_markup;
      delete keep.entities;
      delete keep.parse_mode;
      const { message_id: _id, ...changes } = body;
      entry.message = { ...keep, ...changes, reply_markup: maybeJson(body.reply_markup) };
      if (entry.message.reply_markup === undefined) delete entry.message.reply_markup;
      server.emit('EditedMessageText');
    });
    editRoute('editMessageReplyMarkup', (entry, body) => {
      entry.message = { ...entry.message, reply_markup: maybeJson(body.reply_markup) };
      if (entry.message.reply_markup === undefined) delete entry.message.reply_markup;
      server.emit('EditedMessageReplyMarkup');
    });
  };

  const simpleBotMethods = (app) => {
    handle(app, '/bot:token/answerCallbackQuery', (_req, res) => ok(res, true));
    handle(app, '/bot:token/sendChatAction', (_req, res) => ok(res, true));
    handle(app, '/bot:token/setChatMenuButton', (_req, res) => ok(res, true));
    const key = (req) => {
      const f = bodyOf(req).fields;
      return `${req.params.token}|${JSON.stringify(maybeJson(f.scope) || { type: 'default' })}|${f.language_code || ''}`;
    };
    handle(app, '/bot:token/setMyCommands', (req, res) => {
      const list = maybeJson(bodyOf(req).fields.commands);
      if (!Array.isArray(list)) { fail(res, 400, 'Bad Request: commands must be a JSON array'); return; }
      commands.set(key(req), list);
      ok(res, true);
    });
    handle(app, '/bot:token/getMyCommands', (req, res) => ok(res, commands.get(key(req)) || []));
    handle(app, '/bot:token/deleteMyCommands', (req, res) => { commands.delete(key(req)); ok(res, true); });
  };

  /** sendDocument: store the upload (or look up a re-sent file_id) and record a bot message with
   * `document` and the caption as `text`, so the client side reads it like any other reply. */
  const sendDocument = (app, server) => {
    app.all('/bot:token/sendDocument', multipart, (req, res) => {
      let parsed;
      try { parsed = bodyOf(req); } catch (e) { fail(res, 400, `Bad Request: ${e.message}`); return; }
      const { fields, files: uploads } = parsed;
      if (!fields.chat_id) { fail(res, 400, 'Bad Request: chat_id is empty'); return; }
      let entry;
      const upload = uploads.document;
      if (upload) {
        entry = files.add(upload.data, upload.filename, upload.contentType, 'documents');
      } else if (typeof fields.document === 'string' && files.byId.has(fields.document)) {
        entry = files.byId.get(fields.document);
      } else if (typeof fields.document === 'string' && fields.document) {
        // A URL or unknown file_id: Telegram would fetch it; we only record the name.
        entry = files.add(Buffer.alloc(0), fields.document.split('/').pop(), 'application/octet-stream', 'documents');
      } else {
        fail(res, 400, 'Bad Request: there is no document in the request'); return;
      }
      const document = {
        file_id: entry.file_id,
        file_unique_id: entry.file_unique_id,
        file_name: entry.file_name,
        mime_type: entry.mime_type,
        file_size: entry.file_size,
      };
      const message = {
        chat_id: fields.chat_id,
        text: fields.caption,
        caption: fields.caption,
        document,
      };
      if (fields.reply_markup) message.reply_markup = maybeJson(fields.reply_markup);
      if (fields.protect_content !== undefined) message.protect_content = fields.protect_content;
      const result = storeBotMessage(server, req.params.token, message);
      delete result.text; // a document message has a caption, not text
      ok(res, result);
    });
  };

  /** sendPhoto: a photo the bot re-sends by file_id (or uploads); recorded like sendDocument,
   * with `photo` (one PhotoSize) and the caption as `text`. */
  const sendPhoto = (app, server) => {
    app.all('/bot:token/sendPhoto', multipart, (req, res) => {
      let parsed;
      try { parsed = bodyOf(req); } catch (e) { fail(res, 400, `Bad Request: ${e.message}`); return; }
      const { fields, files: uploads } = parsed;
      if (!fields.chat_id) { fail(res, 400, 'Bad Request: chat_id is empty'); return; }
      let entry;
      if (uploads.photo) {
        entry = files.add(uploads.photo.data, 'photo.jpg', 'image/jpeg', 'photos');
      } else if (typeof fields.photo === 'string' && files.byId.has(fields.photo)) {
        entry = files.byId.get(fields.photo);
      } else {
        fail(res, 400, 'Bad Request: wrong file identifier/HTTP URL specified'); return;
      }
      const photo = [{
        file_id: entry.file_id, file_unique_id: entry.file_unique_id, width: 640, height: 480,
        file_size: entry.file_size,
      }];
      const message = { chat_id: fields.chat_id, text: fields.caption, caption: fields.caption, photo };
      if (fields.protect_content !== undefined) message.protect_content = fields.protect_content;
      const result = storeBotMessage(server, req.params.token, message);
      delete result.text;
      ok(res, result);
    });
  };

  const getFile = (app) => {
    handle(app, '/bot:token/getFile', (req, res) => {
      const entry = files.byId.get(String(bodyOf(req).fields.file_id));
      if (!entry) { fail(res, 400, 'Bad Request: invalid file_id'); return; }
      const { data: _data, file_name: _n, mime_type: _m, ...file } = entry;
      ok(res, file);
    });
    app.get('/file/bot:token/*', (req, res) => {
      const entry = files.byPath.get(req.params[0]);
      if (!entry) { res.status(404).json({ ok: false, error_code: 404, description: 'Not Found' }); return; }
      res.type('application/octet-stream').send(entry.data);
    });
  };

  /** Client side: helpers to push a user update without leaking `botToken` into the message. */
  const pushUserMessage = async (server, token, message) => {
    await server.addUserUpdate({ ...server.getCommonFields(token), message });
    server.messageId += 1;
    server.emit('AddedUserMessage');
  };

  const userRequest = (req, res) => {
    const body = req.body || {};
    if (!body.botToken || !body.from || !body.chat) {
      fail(res, 400, 'botToken, from and chat are required');
      return null;
    }
    return body;
  };

  const baseUserMessage = (body) => {
    const message = { from: body.from, chat: body.chat, date: body.date || nowSeconds() };
    if (body.caption) message.caption = body.caption;
    return message;
  };

  const clientUploads = (app, server) => {
    app.post('/sendDocument', async (req, res) => {
      const body = userRequest(req, res);
      if (!body) return;
      const data = Buffer.from(body.content_base64 || '', 'base64');
      const mime = body.mime_type || 'application/octet-stream';
      const entry = files.add(data, body.file_name || 'file.bin', mime, 'documents');
      const message = baseUserMessage(body);
      message.document = {
        file_id: entry.file_id,
        file_unique_id: entry.file_unique_id,
        file_name: entry.file_name,
        file_size: entry.file_size,
        mime_type: mime,
      };
      await pushUserMessage(server, body.botToken, message);
      ok(res, { file_id: entry.file_id });
    });
    app.post('/sendPhoto', async (req, res) => {
      const body = userRequest(req, res);
      if (!body) return;
      const data = Buffer.from(body.content_base64 || '', 'base64');
      const entry = files.add(data, 'photo.jpg', 'image/jpeg', 'photos');
      const message = baseUserMessage(body);
      message.photo = [{
        file_id: entry.file_id,
        file_unique_id: entry.file_unique_id,
        width: Number(body.width || 640),
        height: Number(body.height || 480),
        file_size: entry.file_size,
      }];
      await pushUserMessage(server, body.botToken, message);
      ok(res, { file_id: entry.file_id });
    });
  };

  /** Client /sendCallback: complete the tapped message from storage (text, keyboard, bot sender,
   * date in seconds) so `query.message` is a real Message, not an InaccessibleMessage. */
  const sendCallback = (app, server) => {
    app.post('/sendCallback', async (req, res) => {
      const body = req.body || {};
      const given = body.message || {};
      const stored = server.storage.botMessages.find((u) => (
        u.botToken === body.botToken && String(u.messageId) === String(given.message_id)));
      const message = { ...given };
      if (stored) {
        const { chat_id: _c, ...rest } = stored.message;
        Object.assign(message, rest, {
          message_id: stored.messageId,
          date: Math.floor(stored.time / 1000),
          from: botUser(body.botToken),
          chat: given.chat || { id: Number(stored.message.chat_id), type: 'private' },
        });
      }
      if (!message.date) message.date = nowSeconds();
      await server.addUserCallback({ ...body, message });
      ok(res, null);
    });
  };

  return [faultInjector, control, getMe, sendMessage, edits, simpleBotMethods, sendDocument,
    sendPhoto, getFile, clientUploads, sendCallback];
}

/** Gap 3: callback updates lack `chat_instance`, so python-telegram-bot drops them. */
function patchFormatUpdate() {
  const original = TelegramServer.formatUpdate;
  TelegramServer.formatUpdate = (update) => {
    const formatted = original(update);
    if (formatted.callback_query) {
      const chat = (formatted.callback_query.message || {}).chat || {};
      formatted.callback_query.chat_instance = String(chat.id ?? formatted.callback_query.from.id);
    }
    return formatted;
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const state = { files: new FileStore(), faults: new Map(), commands: new Map(), blocked: new Set() };
  libraryRoutes.routes.unshift(...makeRoutes(state));
  patchFormatUpdate();

  const server = new TelegramServer({ port: args.port, host: '127.0.0.1', storeTimeout: args.storeTimeout });
  server.config.port = args.port; // the library maps 0 to its default 9000; keep 0 = any free port
  await server.start();
  const { port } = server.server.address();
  process.stdout.write(`listening on ${port}\n`);

  const shutdown = () => { server.stop().finally(() => process.exit(0)); };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error) => {
  process.stderr.write(`emulator failed to start: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
