// Placeholder until the game lands: connects two tabs that share ?room=.
import { connectPeer } from './signalling.js'

const status = document.getElementById('status')
const show = (text: string): void => {
  if (status) status.textContent = text
}

const room = new URLSearchParams(location.search).get('room')
if (!room) show('add ?room=NAME to the URL, then open it in a second tab')
else {
  show(`room ${room}: waiting for a peer…`)
  connectPeer(room).then(
    ({ peer, initiator }) => {
      show(`room ${room}: connected (${initiator ? 'initiator' : 'responder'})`)
      peer.on('close', () => show(`room ${room}: peer gone, reload to play again`))
    },
    (err: unknown) => show(`room ${room}: ${err instanceof Error ? err.message : String(err)}`),
  )
}
