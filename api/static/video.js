// The participant's side of a video session: standard WebRTC only (Chromium, Firefox, Safari).
// The server drives negotiation: it sends offers, this page answers. Media lines the server
// receives on (not listed in `streams`) carry this page's camera and microphone.
"use strict";

const sessionId = location.pathname.split("/").pop();
const token = new URLSearchParams(location.hash.slice(1)).get("t");
const $ = (id) => document.getElementById(id);
const state = {
  ws: null, pc: null, me: null, role: null, streams: {}, names: {}, local: null,
  retry: 0, final: false, room: null, remote: {},
};

function show(id, text) { const el = $(id); el.textContent = text; el.style.display = text ? "block" : "none"; }
function setConn(text) { $("conn").textContent = text; }

async function openDevices() {
  const camera = $("camera").value, mic = $("mic").value;
  const constraints = {
    video: camera ? { deviceId: { exact: camera } } : { width: 640, height: 480 },
    audio: mic ? { deviceId: { exact: mic } } : true,
  };
  const stream = await navigator.mediaDevices.getUserMedia(constraints);
  if (state.local) state.local.getTracks().forEach((t) => t.stop());
  state.local = stream;
  $("self").srcObject = stream;
  if (state.pc) {
    for (const t of state.pc.getTransceivers()) {
      if (t.mid !== null && !(t.mid in state.streams) && t.sender) {
        const track = stream.getTracks().find((x) => x.kind === t.receiver.track.kind);
        if (track) await t.sender.replaceTrack(track);
      }
    }
  }
  await listDevices();
}

async function listDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const [select, kind] of [[$("camera"), "videoinput"], [$("mic"), "audioinput"]]) {
    const current = select.value;
    select.replaceChildren(...devices.filter((d) => d.kind === kind).map((d, i) => {
      const option = document.createElement("option");
      option.value = d.deviceId;
      option.textContent = d.label || `${kind} ${i + 1}`;
      return option;
    }));
    if (current) select.value = current;
  }
}

function tile(publisher) {
  let figure = document.getElementById(`tile-${publisher}`);
  if (!figure) {
    figure = document.createElement("figure");
    figure.id = `tile-${publisher}`;
    const video = document.createElement("video");
    video.autoplay = true; video.playsInline = true;
    const caption = document.createElement("figcaption");
    figure.append(video, caption);
    $("tiles").append(figure);
    state.remote[publisher] = new MediaStream();
    video.srcObject = state.remote[publisher];
  }
  figure.querySelector("figcaption").textContent = state.names[publisher] || "";
  return figure;
}

function newPeer() {
  if (state.pc) state.pc.close();
  const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: "max-bundle" });
  pc.ontrack = (event) => {
    const publisher = state.streams[event.transceiver.mid];
    if (!publisher) return;
    tile(publisher);
    const stream = state.remote[publisher];
    stream.getTracks().filter((t) => t.kind === event.track.kind).forEach((t) => stream.removeTrack(t));
    stream.addTrack(event.track);
  };
  pc.onconnectionstatechange = () => setConn({
    connected: "已连接 · Connected", connecting: "连接中 · Connecting", failed: "连接失败 · Failed",
    disconnected: "连接中断 · Disconnected", closed: "已关闭 · Closed", new: "连接中 · Connecting",
  }[pc.connectionState] || pc.connectionState);
  state.pc = pc;
  return pc;
}

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { if (pc.iceGatheringState === "complete") { pc.removeEventListener("icegatheringstatechange", done); resolve(); } };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, 3000);
  });
}

async function onOffer(message) {
  Object.assign(state.streams, message.streams);
  const pc = state.pc && state.pc.signalingState !== "closed" ? state.pc : newPeer();
  await pc.setRemoteDescription({ type: "offer", sdp: message.sdp });
  for (const t of pc.getTransceivers()) {
    if (t.mid !== null && !(t.mid in message.streams) && !(t.mid in state.streams)) {
      const track = state.local && state.local.getTracks().find((x) => x.kind === t.receiver.track.kind);
      t.direction = "sendonly";
      if (track) await t.sender.replaceTrack(track);
    }
  }
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  send({ type: "answer", sdp: pc.localDescription.sdp });
}

function send(message) { if (state.ws && state.ws.readyState === 1) state.ws.send(JSON.stringify(message)); }

function button(text, onclick, cls) {
  const b = document.createElement("button");
  b.type = "button"; b.textContent = text; b.onclick = onclick; if (cls) b.className = cls;
  return b;
}

function renderRoom(room) {
  state.room = room;
  $("title").textContent = room.title;
  const me = room.participants.find((p) => p.id === state.me);
  for (const p of room.participants) state.names[p.id] = `${p.name}${p.role === "host" ? " (主持 · host)" : ""}`;
  $("lobby").style.display = me && !me.admitted ? "block" : "none";
  $("rec").hidden = !room.recording;
  show("notice", room.notice || "");
  $("caucus").hidden = room.caucus.length === 0;
  const host = state.role === "host";
  $("host").hidden = !host;
  $("record").textContent = room.recording ? "停止录制 · Stop recording" : "开始录制 · Start recording";
  $("close-caucus").hidden = room.caucus.length === 0;
  const visible = new Set(room.audience[state.me] || []);
  for (const figure of document.querySelectorAll("figure[id^=tile-]")) {
    const id = figure.id.slice(5);
    figure.hidden = !visible.has(id);
    figure.querySelector("figcaption").textContent = state.names[id] || "";
  }
  const list = $("people");
  list.replaceChildren(...room.participants.map((p) => {
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = `${p.name} · ${p.role}${p.present ? "" : " (离线 · away)"}${p.admitted ? "" : " (等候 · lobby)"}${p.in_caucus ? " (单独会谈 · caucus)" : ""}`;
    li.append(name);
    if (host && p.role !== "host") {
      if (!p.admitted && p.present) {
        li.append(button("核验身份并准入 · Admit", () => send({ type: "admit", participant: p.id, identity_check: "id_document" }), "primary"));
      }
      if (p.admitted) {
        li.append(button("静音 · Mute", () => send({ type: "mute", participant: p.id, track: "audio" })));
        if (room.caucus.length === 0) li.append(button("单独会谈 · Caucus", () => send({ type: "open_caucus", participants: [p.id] })));
      }
      li.append(button("移出 · Remove", () => send({ type: "remove", participant: p.id, reason: "removed by host" }), "danger"));
    }
    return li;
  }));
}

function onMessage(event) {
  const message = JSON.parse(event.data);
  switch (message.type) {
    case "welcome":
      state.me = message.participant; state.role = message.role; state.retry = 0;
      $("self-name").textContent = `${message.name} (我 · me)`;
      show("error", "");
      break;
    case "offer": onOffer(message).catch((e) => show("error", String(e))); break;
    case "room": renderRoom(message); break;
    case "muted":
      if (state.local) state.local.getAudioTracks().forEach((t) => { t.enabled = false; });
      $("mute-audio").setAttribute("aria-pressed", "true");
      break;
    case "chat": {
      const li = document.createElement("li");
      li.textContent = `${message.name}: ${message.text}`;
      $("chatlog").append(li);
      break;
    }
    case "ended": state.final = true; show("error", "会话已结束 · The session has ended."); break;
    case "error":
      if (["expired", "revoked", "forged", "other_session", "not_invited", "removed", "ended", "replaced", "unauthenticated"].includes(message.code)) state.final = true;
      show("error", message.detail);
      break;
    default: break;
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/api/video_sessions/${sessionId}/ws`);
  state.ws = ws;
  // Without a link's token, a signed-in party joins with the console's session cookie.
  ws.onopen = () => { state.streams = {}; ws.send(JSON.stringify(token ? { type: "join", token } : { type: "join" })); newPeer(); };
  ws.onmessage = onMessage;
  ws.onclose = () => {
    if (state.final) { setConn("已断开 · Disconnected"); if (state.pc) state.pc.close(); return; }
    setConn("重新连接 · Reconnecting");
    const wait = Math.min(10000, 500 * 2 ** state.retry++);
    setTimeout(connect, wait);
  };
}

$("camera").onchange = () => openDevices().catch((e) => show("error", String(e)));
$("mic").onchange = $("camera").onchange;
$("mute-audio").onclick = () => {
  const on = $("mute-audio").getAttribute("aria-pressed") !== "true";
  state.local && state.local.getAudioTracks().forEach((t) => { t.enabled = !on; });
  $("mute-audio").setAttribute("aria-pressed", String(on));
};
$("mute-video").onclick = () => {
  const on = $("mute-video").getAttribute("aria-pressed") !== "true";
  state.local && state.local.getVideoTracks().forEach((t) => { t.enabled = !on; });
  $("mute-video").setAttribute("aria-pressed", String(on));
};
$("leave").onclick = () => { state.final = true; state.ws && state.ws.close(); if (state.pc) state.pc.close(); setConn("已离开 · Left"); };
$("record").onclick = () => send({ type: state.room && state.room.recording ? "stop_recording" : "start_recording" });
$("close-caucus").onclick = () => send({ type: "close_caucus" });
$("end").onclick = () => { if (confirm("结束会话？ End the session?")) send({ type: "end" }); };
$("chat").onsubmit = (e) => { e.preventDefault(); send({ type: "chat", text: $("chat-text").value }); $("chat-text").value = ""; };

openDevices().catch((e) => show("error", `摄像头或麦克风不可用 · Camera or microphone unavailable: ${e}`)).finally(connect);
