'use strict';

// An Express 5 API: CORS, request logging with morgan, JSON Web Tokens (HS256) with
// jsonwebtoken, ids from uuid; served as it runs on Node.js.
const express = require('express');
const cors = require('cors');
const morgan = require('morgan');
const jwt = require('jsonwebtoken');
const { v4: uuidv4 } = require('uuid');

const SECRET = 'change-me';
const app = express();
const notes = [];

app.use(cors());
app.use(morgan('tiny'));
app.use(express.json());

app.post('/login', (req, res) => {
  const { user } = req.body ?? {};
  if (!user) return res.status(400).json({ error: 'user is required' });
  res.json({ token: jwt.sign({ sub: user }, SECRET, { algorithm: 'HS256', expiresIn: '1h' }) });
});

function authenticated(req, res, next) {
  const token = (req.get('authorization') || '').replace(/^Bearer /, '');
  try {
    req.user = jwt.verify(token, SECRET, { algorithms: ['HS256'] }).sub;
    next();
  } catch (err) {
    res.status(401).json({ error: err.message });
  }
}

app.get('/notes', authenticated, (req, res) => {
  res.json(notes.filter((note) => note.owner === req.user));
});

app.post('/notes', authenticated, (req, res) => {
  const note = { id: uuidv4(), owner: req.user, text: String(req.body?.text ?? '') };
  notes.push(note);
  res.status(201).json(note);
});

app.get('/notes/:id', authenticated, (req, res) => {
  const note = notes.find((n) => n.id === req.params.id && n.owner === req.user);
  if (!note) return res.status(404).json({ error: 'not found' });
  res.json(note);
});

app.listen(9000, () => console.log('listening on 9000'));
