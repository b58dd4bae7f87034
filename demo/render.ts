// Draws the arena on a canvas every animation frame, in arena units (scaled to the element).
import { ARENA, COIN_RADIUS, PLAYER_RADIUS, type Point } from './layout.js'
import { COLOR_NAMES, otherColor, type Color } from './protocol.js'
import { drawCountdown, drawOverlay, drawTimer, label, overlayText } from './hud.js'
import type { DemoState } from './state.js'

export const PALETTE: Record<Color, string> = { blue: '#4f8cff', amber: '#ffb547' }
const COIN = '#ffd84d'
const FLASH_MS = 900
const IDLE_FRAME_MS = 100

type Ctx = CanvasRenderingContext2D

export interface Arena {
  stop(): void
}

/** Starts drawing `state` on `canvas`; `sharedNow` is the session's timeline (or undefined between sessions). */
export function startArena(canvas: HTMLCanvasElement, state: DemoState, sharedNow: () => number | undefined): Arena {
  const ctx = canvas.getContext('2d')
  const floor = new FloorCache()
  let frame = 0
  let peerDrawn: Point = { ...state.peerPos }
  let idleTimer: ReturnType<typeof setTimeout> | undefined
  const draw = (): void => {
    if (ctx) {
      fitToElement(canvas, ctx)
      // Ease the opponent towards its last reported position: smooth at any message rate.
      peerDrawn = { x: peerDrawn.x + (state.peerPos.x - peerDrawn.x) * 0.35, y: peerDrawn.y + (state.peerPos.y - peerDrawn.y) * 0.35 }
      if (Math.hypot(state.peerPos.x - peerDrawn.x, state.peerPos.y - peerDrawn.y) > 200) peerDrawn = { ...state.peerPos }
      ctx.drawImage(floor.get(canvas.width, canvas.height, state), 0, 0, ARENA.width, ARENA.height)
      drawFrame(ctx, state, peerDrawn, sharedNow())
    }
    // Between rounds little moves: 10 frames a second, and no frame requests in between, keep
    // the page light on small machines (and leave the CPU to syncStart's timing).
    const live = state.phase === 'countdown' || state.phase === 'playing' || (state.flash && performance.now() - state.flash.at < FLASH_MS)
    if (live) frame = requestAnimationFrame(draw)
    else idleTimer = setTimeout(() => (frame = requestAnimationFrame(draw)), IDLE_FRAME_MS)
  }
  frame = requestAnimationFrame(draw)
  return {
    stop: () => {
      cancelAnimationFrame(frame)
      clearTimeout(idleTimer)
    },
  }
}

/** The floor only changes with the layout or the canvas size: draw it once into its own canvas. */
class FloorCache {
  #canvas = document.createElement('canvas')
  #key = ''

  get(width: number, height: number, state: DemoState): HTMLCanvasElement {
    const key = `${width}x${height}/${state.layout?.seed ?? 'none'}`
    if (key !== this.#key) {
      this.#key = key
      this.#canvas.width = width
      this.#canvas.height = height
      const ctx = this.#canvas.getContext('2d')
      if (ctx) {
        ctx.setTransform(width / ARENA.width, 0, 0, height / ARENA.height, 0, 0)
        drawFloor(ctx, state)
      }
    }
    return this.#canvas
  }
}

function fitToElement(canvas: HTMLCanvasElement, ctx: Ctx): void {
  const ratio = window.devicePixelRatio || 1
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio))
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio))
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width
    canvas.height = height
  }
  ctx.setTransform(width / ARENA.width, 0, 0, height / ARENA.height, 0, 0)
}

function drawFrame(ctx: Ctx, state: DemoState, peerPos: Point, now: number | undefined): void {
  const inRound = state.phase === 'countdown' || state.phase === 'playing'
  const coin = state.layout?.coins[state.coinIndex]
  if (coin && state.phase === 'playing') drawCoin(ctx, coin, state.coinIndex, state.layout?.coins.length ?? 0)
  drawFlash(ctx, state)
  const inSession = state.connection === 'connected' || state.connection === 'reconnecting'
  if (inSession && state.phase !== 'idle') {
    drawPlayer(ctx, peerPos, otherColor(state.me), 'Them')
    drawPlayer(ctx, state.myPos, state.me, 'You')
  }
  if (inRound && now !== undefined) drawTimer(ctx, state, now)
  if (state.phase === 'countdown' && now !== undefined) drawCountdown(ctx, state, now)
  if (!inRound || state.connection === 'reconnecting') drawOverlay(ctx, overlayText(state))
}

function drawFloor(ctx: Ctx, state: DemoState): void {
  const gradient = ctx.createLinearGradient(0, 0, ARENA.width, ARENA.height)
  gradient.addColorStop(0, '#141b2d')
  gradient.addColorStop(1, '#0c111d')
  ctx.fillStyle = gradient
  ctx.fillRect(0, 0, ARENA.width, ARENA.height)
  ctx.strokeStyle = 'rgba(255,255,255,0.04)'
  ctx.lineWidth = 1
  for (let x = 40; x < ARENA.width; x += 40) line(ctx, x, 0, x, ARENA.height)
  for (let y = 40; y < ARENA.height; y += 40) line(ctx, 0, y, ARENA.width, y)
  ctx.fillStyle = 'rgba(120,150,255,0.05)'
  for (const t of state.layout?.tiles ?? []) ctx.fillRect(Math.floor(t.x / 40) * 40, Math.floor(t.y / 40) * 40, 40, 40)
}

function line(ctx: Ctx, x1: number, y1: number, x2: number, y2: number): void {
  ctx.beginPath()
  ctx.moveTo(x1, y1)
  ctx.lineTo(x2, y2)
  ctx.stroke()
}

function drawCoin(ctx: Ctx, coin: Point, index: number, total: number): void {
  const pulse = 1 + 0.12 * Math.sin(performance.now() / 160)
  ctx.beginPath()
  ctx.arc(coin.x, coin.y, COIN_RADIUS * 2.1 * pulse, 0, Math.PI * 2)
  ctx.fillStyle = 'rgba(255,216,77,0.12)'
  ctx.fill()
  const gradient = ctx.createRadialGradient(coin.x - 4, coin.y - 4, 2, coin.x, coin.y, COIN_RADIUS)
  gradient.addColorStop(0, '#fff6c2')
  gradient.addColorStop(1, COIN)
  ctx.beginPath()
  ctx.arc(coin.x, coin.y, COIN_RADIUS, 0, Math.PI * 2)
  ctx.fillStyle = gradient
  ctx.fill()
  label(ctx, `${index + 1}/${total}`, coin.x, coin.y + COIN_RADIUS + 16, 'rgba(255,240,180,0.8)', 12)
}

function drawPlayer(ctx: Ctx, p: Point, color: Color, name: string): void {
  // A radial gradient for the glow: shadowBlur costs milliseconds per frame without a GPU.
  const glow = ctx.createRadialGradient(p.x, p.y, PLAYER_RADIUS * 0.8, p.x, p.y, PLAYER_RADIUS * 2)
  glow.addColorStop(0, `${PALETTE[color]}88`)
  glow.addColorStop(1, `${PALETTE[color]}00`)
  ctx.fillStyle = glow
  ctx.fillRect(p.x - PLAYER_RADIUS * 2, p.y - PLAYER_RADIUS * 2, PLAYER_RADIUS * 4, PLAYER_RADIUS * 4)
  ctx.beginPath()
  ctx.arc(p.x, p.y, PLAYER_RADIUS, 0, Math.PI * 2)
  ctx.fillStyle = PALETTE[color]
  ctx.fill()
  ctx.lineWidth = name === 'You' ? 3 : 1.5
  ctx.strokeStyle = 'rgba(255,255,255,0.85)'
  ctx.stroke()
  label(ctx, name, p.x, p.y - PLAYER_RADIUS - 10, 'rgba(255,255,255,0.9)', 13)
}

function drawFlash(ctx: Ctx, state: DemoState): void {
  const flash = state.flash
  if (!flash) return
  const age = (performance.now() - flash.at) / FLASH_MS
  if (age >= 1) return
  const color = flash.winner ? PALETTE[flash.winner] : '#8892a6'
  ctx.globalAlpha = 1 - age
  ctx.beginPath()
  ctx.arc(flash.coin.x, flash.coin.y, COIN_RADIUS + age * 60, 0, Math.PI * 2)
  ctx.strokeStyle = color
  ctx.lineWidth = 4
  ctx.stroke()
  const text = flash.winner ? `+1 ${COLOR_NAMES[flash.winner]}` : 'Time!'
  label(ctx, text, flash.coin.x, flash.coin.y - 30 - age * 24, color, 18)
  ctx.globalAlpha = 1
}
