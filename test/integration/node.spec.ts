import { strict as assert } from 'node:assert'
import { createNode } from '../../src/node/create-node.ts'
import { eventually } from '../helpers.ts'

describe('node defaults for a CDN', () => {
  it('forgets departed viewers instead of keeping a record of each for hours', async () => {
    const server = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: false, peerRecordAge: 1500 })
    await server.start()
    try {
      for (let i = 0; i < 20; i++) {
        const viewer = await createNode({ listen: [], dhtClientMode: true })
        await viewer.start()
        await viewer.dial(server.getMultiaddrs()[0])
        await new Promise(resolve => setTimeout(resolve, 100))
        await viewer.stop()
      }
      assert.ok((await server.peerStore.all()).length > 0, 'viewers were recorded while connected')
      await new Promise(resolve => setTimeout(resolve, 2000))
      assert.equal((await server.peerStore.all()).length, 0)
    } finally {
      await server.stop()
    }
  })

  it('accepts more than five new connections a second from one host', async () => {
    const server = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: false })
    await server.start()
    const viewers = await Promise.all(Array.from({ length: 20 }, async () => {
      const viewer = await createNode({ listen: [], dhtClientMode: true })
      await viewer.start()
      return viewer
    }))
    try {
      // twenty viewers behind one address (a NAT, or 127.0.0.1) connect at once
      await Promise.all(viewers.map(async viewer => viewer.dial(server.getMultiaddrs()[0])))
      // the server may finish upgrading the last one just after the dialer does
      await eventually(() => server.getConnections().length === 20 ? true : undefined, 3000, 'twenty inbound connections')
    } finally {
      await Promise.all(viewers.map(async viewer => viewer.stop()))
      await server.stop()
    }
  })
})
